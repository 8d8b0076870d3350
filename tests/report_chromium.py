#!/usr/bin/env python3
"""The report in a real browser: trains real SMS models with the tinytext CLI, writes a report
comparing them, renders it in headless Chromium, and fails on any console message (the page has
no script), on a page without its charts, or on a screenshot whose plots are blank.

The checks are checked first on control pages: one with a console error (must be caught), and the report with its <svg> elements removed (must count as blank).

Usage: report_chromium.py --tinytext BIN --chromium BIN --data SMSSpamCollection --work DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

try:
    from PIL import Image  # Debian: python3-pil
except ImportError:
    sys.exit("report_chromium: python3-pil is needed (scripts/deps.sh test installs it)")

# The series colours of src/report/report.cc (models 1-3) and of the threshold chart.
# The histogram's bars are the first two at fill-opacity 0.55 over the plot's white.
def _over_white(c, a=0.55):
    return tuple(round(v * a + 255 * (1 - a)) for v in c)


SERIES = {"blue": (0x1f, 0x77, 0xb4), "red": (0xd6, 0x27, 0x28), "green": (0x2c, 0xa0, 0x2c)}
SERIES.update({"blue bars": _over_white(SERIES["blue"]), "red bars": _over_white(SERIES["red"])})
# Fewest pixels of each colour the charts must add to the page (a 1400 px wide screenshot).
MIN_PIXELS = {"blue": 500, "red": 500, "green": 500, "blue bars": 2000, "red bars": 200}


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"report_chromium: {' '.join(cmd)} exited {r.returncode}\n{r.stderr}")
    return r.stdout


def render(chromium, html, png):
    """Screenshot of html; returns the console/log lines that report errors."""
    if os.path.exists(png):
        os.remove(png)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
           "--hide-scrollbars", "--window-size=1400,2600", "--user-data-dir=" + os.path.dirname(png) + "/profile",
           "--screenshot=" + png, "file://" + os.path.abspath(html)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180)
    if r.returncode != 0 or not os.path.exists(png):
        sys.exit(f"report_chromium: chromium exited {r.returncode} without a screenshot\n{r.stderr[-3000:]}")
    bad = []
    for line in r.stderr.splitlines():
        # Page messages: Chromium 120+ logs every console message as INFO:CONSOLE:LINE] "text", source:
        # ..., whatever its level. The report has no script, so any console message is an error.
        if ":CONSOLE" in line or "net::ERR_" in line or "Failed to load resource" in line:
            bad.append(line)
    return bad


def series_pixels(png):
    img = Image.open(png).convert("RGB")
    counts = {k: 0 for k in SERIES}
    for (r, g, b) in img.getdata():
        for k, (cr, cg, cb) in SERIES.items():
            if abs(r - cr) <= 12 and abs(g - cg) <= 12 and abs(b - cb) <= 12:
                counts[k] += 1
    return counts, img.size


def main():
    ap = argparse.ArgumentParser()
    for a in ("--tinytext", "--chromium", "--data", "--work"):
        ap.add_argument(a, required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    w = lambda name: os.path.join(a.work, name)
    t = a.tinytext
    run([t, "split", a.data, "--format", "tsv", "--no-header", "--label", "1", "--text", "2", "--test", "0.2",
         "--seed", "1", "-o", w("split")])
    run([t, "train", w("split.train.csv"), "--max-flash", "4K", "--seed", "1", "--quiet", "-o", w("sms4k.ttm")])
    run([t, "train", w("split.train.csv"), "--max-flash", "32K", "--seed", "1", "--quiet", "-o", w("sms32k.ttm")])
    run([t, "quantize", w("sms4k.ttm"), "--calib", w("split.train.csv"), "-o", w("sms4k.q8")])
    run([t, "threshold", w("sms4k.q8"), w("split.test.csv"), "--precision", "0.99", "-o", w("sms4k_p99.q8")])
    run([t, "report", w("sms4k_p99.q8"), w("split.test.csv"), "--compare", w("sms4k.ttm") + "," + w("sms32k.ttm"),
         "-o", w("report.html")])
    html = open(w("report.html"), encoding="utf-8").read()

    # Self-contained: no script, no fetched resource (the SVG namespace URI is a name, not a fetch).
    for bad in ("<script", "<link", "<img", "<iframe", "src=", "url("):
        if bad in html:
            sys.exit(f"report_chromium: the report holds {bad!r}: it must be self-contained")
    charts = len(re.findall(r'<svg [^>]*class="chart"', html))
    if charts != 4:  # per label: ROC, PR, P/R/F1 by threshold, histogram (one label)
        sys.exit(f"report_chromium: {charts} charts in the report, expected 4")
    for must in ("sms4k_p99.q8 (int8)", "sms4k.ttm (float)", "sms32k.ttm (float)", "chosen for precision &gt;= 0.99",
                 "Worst false positives", "Worst false negatives", "Arduino Uno (ATmega328P)"):
        if must not in html:
            sys.exit(f"report_chromium: the report lacks {must!r}")

    # The checks catch what they look for: a console error; blank plots.
    control = w("control.html")
    with open(control, "w") as f:
        f.write("<!DOCTYPE html><html><body>"
                "<script>console.error('control error')</script></body></html>")
    if not render(a.chromium, control, w("control.png")):
        sys.exit("report_chromium: the console check missed the control page's error")
    blank = w("blank.html")
    with open(blank, "w", encoding="utf-8") as f:
        f.write(re.sub(r"<svg .*?</svg>", "", html, flags=re.S))
    if render(a.chromium, blank, w("blank.png")):
        sys.exit("report_chromium: the report without charts logged errors")
    blank_counts, _ = series_pixels(w("blank.png"))

    errors = render(a.chromium, w("report.html"), w("report.png"))
    if errors:
        sys.exit("report_chromium: console errors:\n" + "\n".join(errors))
    counts, size = series_pixels(w("report.png"))
    print(f"report_chromium: screenshot {size[0]}x{size[1]}; series pixels {counts}; without the charts {blank_counts}")
    for k in SERIES:
        if counts[k] - blank_counts[k] < MIN_PIXELS[k]:
            sys.exit(f"report_chromium: the charts draw {counts[k] - blank_counts[k]} {k} pixels (fewer than "
                     f"{MIN_PIXELS[k]}): a plot is blank")
    print("report_chromium: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

// The streaming kernel (detail/push.h's push_run) in Thumb-1 for a StaticModel on ARMv6-M
// (Cortex-M0/M0+): the same bytes to the same sums, count and tokenizer state as the portable
// kernel, for every static shape the exporter can emit (character n-grams of any sizes in 2..6
// or none, word unigrams or bigrams, digits folded or not, the exact table or hashed buckets
// only, any D). One asm body; the shape's constants are its operands, and the assembler's .if
// keeps the code a shape needs. The values every byte uses stay in registers (the text pointer,
// the packed word, its length, the one-dim sum in r0-r3, the end in r8), which GCC's Thumb-1
// code cannot do (docs/boards.md); those used once a word or once in four bytes (the word hash,
// old, the count) are in stack slots, as cheap to reach as a high register. push.h selects it
// (TT_THUMB1_KERNEL); TT_PORTABLE_KERNEL turns it off. Checked against the portable kernel on
// random shapes and texts by the thumb1_kernel workload (targets/workloads).
#ifndef TINYTEXT_ARCH_THUMB1_PUSH_RUN_H
#define TINYTEXT_ARCH_THUMB1_PUSH_RUN_H

#include <stddef.h>

#include "../../config.h"
#include "../../image.h"
#include "../../state.h"
#include "../../tokenizer.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__thumb__) && !defined(__thumb2__)
namespace tt {
namespace detail {

// The bytes [p, end) into s for the static model M (none of them reaching the saturation limit,
// as for push_run). Registers: r0 text, r1 w (the marked word's newest 4 bytes), r2 its length,
// r3 the one-dim sum (D > 1: &acc[0]), r4-r7 and ip scratch, r8 end. Stack (48 B): [0] prev,
// [4] has_prev, [8] &s, [12] fingerprints, [16] embedding, [20] lr, [24] w, [28] len, [32] the
// word's hash, [36] the word hash so far, [40] old (5- and 6-grams), [44] the count less the
// pending word's n-grams. Subroutines: feat (hash in r4: its row added), wend (the pending
// word's end).
template <class M, uint16_t D>
TT_INLINE void push_run_thumb1(SumsState<D>& s, const uint8_t* p, const uint8_t* end) {
  typedef typename M::Spec S;
  typedef SumsState<D> St;
  register const uint8_t* r0 __asm__("r0") = p;
  register const uint8_t* r1 __asm__("r1") = end;
  register St* r2 __asm__("r2") = &s;
  register FlashAddr r3 __asm__("r3") = S::image();
  // (GCC hands inline asm to the assembler in divided syntax: the body is unified syntax.)
  __asm__ volatile(
      R"ASM(
  .syntax unified
.macro ttloadc%= reg, val
 .if (\val) < 256
  movs \reg, #(\val)
 .else
  ldr \reg, =(\val)
 .endif
.endm
@ a feature's embedding row r7 added to the sums (clobbers r4-r7, ip)
.macro ttrow%=
 .if %c[dim] == 1
  ldr r6, [sp, #16]
  ldrsb r7, [r6, r7]
  adds r3, r3, r7
 .else
  ttloadc%= r6, %c[dim]
  muls r7, r6, r7
  ldr r6, [sp, #16]
  adds r7, r7, r6
  ttloadc%= r4, %c[dim]
.Lrw\@:
  subs r4, #1
  ldrsb r5, [r7, r4]
  lsls r6, r4, #2
  mov ip, r7
  ldr r7, [r3, r6]
  adds r7, r7, r5
  str r7, [r3, r6]
  mov r7, ip
  cmp r4, #0
  bne .Lrw\@
 .endif
.endm
@ the fingerprint r4 against the group's slot i (r6: the group's first): flags as cmp r4, slot
.macro ttfp%= i
  ldrb r7, [r6, #\i]
  cmp r4, r7
.endm
@ the feature hash r4: its row (image_row: the sorted group's search, else the bucket) added
.macro ttfeat%=
  lsrs r5, r4, #16
 .if %c[groups] > 0
  ttloadc%= r6, %c[groups]
  muls r6, r5, r6
  lsrs r6, r6, #16
  lsls r6, r6, #2
  ldr r7, [sp, #12]
  adds r6, r6, r7
  lsrs r4, r4, #8
  uxtb r4, r4
  ttfp%= 1
  bhi .Lfa\@
  beq .Lf1\@
  ttfp%= 0
  beq .Lf0\@
  b .Lfm\@
.Lfa\@:
  ttfp%= 2
  bcc .Lfm\@
  beq .Lf2\@
  ttfp%= 3
  bne .Lfm\@
  adds r6, #1
.Lf2\@:
  adds r6, #1
.Lf1\@:
  adds r6, #1
.Lf0\@:
  .if %c[dim] == 1
  ldr r7, =(4 * %c[groups] + %c[first])
  ldrsb r7, [r6, r7]
  adds r3, r3, r7
  b .Lfe\@
  .else
  ldr r7, [sp, #12]
  subs r7, r6, r7
  ldr r6, =%c[first]
  adds r7, r7, r6
  b .Lfr\@
  .endif
.Lfm\@:
 .endif
  ttloadc%= r7, %c[buckets]
  muls r7, r5, r7
  lsrs r7, r7, #16
.Lfr\@:
  ttrow%=
.Lfe\@:
.endm
@ (inline for the word bytes' n-grams of a one-dim model; a call otherwise: a wider row's loop
@ costs more than the call, and is code)
.macro ttcall%= inl
 .if \inl && %c[dim] == 1
  ttfeat%=
 .else
  bl .Lfeat%=
 .endif
.endm
@ the n-gram of n bytes (emit_char_ngram): x = w's newest min(n, 4) bytes, plus for n = 5, 6
@ old's top n - 4 bytes times kCharMix; (x ^ x >> 16) times mul. To `done` if the word is too
@ short (w r1, bytes before the newest r2, old [sp, #40])
.macro ttng%= inl, n, mul, done
 .if \n >= %c[cmin] && \n <= %c[cmax]
  cmp r2, #(\n - 1)
  bcs .Lg\@
  b \done
.Lg\@:
  .if \n == 4
  lsrs r4, r1, #16
  eors r4, r1
  .else
  .if \n < 4
  lsrs r4, r1, #(32 - 8 * \n)
  .else
  ldr r4, [sp, #40]
  lsrs r4, r4, #(64 - 8 * \n)
  ldr r5, =0x9E3779B1
  muls r4, r5, r4
  adds r4, r4, r1
  .endif
  .if \n > 2
  lsrs r5, r4, #16
  eors r4, r5
  .endif
  .endif
  ldr r5, =\mul
  muls r4, r5, r4
  ttcall%= \inl
 .endif
.endm
@ the character n-grams of the marked word ending at its newest byte, n ascending
@ (emit_char_ngrams)
.macro ttngrams%= inl
 .if %c[cmin] > 0
  ttng%= \inl, 2, 0x85EBCA77, .Lnx\@
  ttng%= \inl, 3, 0xC2B2AE3D, .Lnx\@
  ttng%= \inl, 4, 0x27D4EB2F, .Lnx\@
  ttng%= \inl, 5, 0x165667B1, .Lnx\@
  ttng%= \inl, 6, 0xCC9E2D51, .Lnx\@
.Lnx\@:
 .endif
.endm
@ old as w (r1) shifts a byte out (old_after; 5- and 6-grams only; clobbers r5, r6)
.macro ttold%=
 .if %c[cmax] >= 5
  lsls r5, r1, #24
  .if %c[cmax] >= 6
  ldr r6, [sp, #40]
  lsrs r6, r6, #8
  orrs r5, r6
  .endif
  str r5, [sp, #40]
 .endif
.endm
@ SuperFastHash's step on r4 (sfh_finish_packed): h ^= h << l; h += h >> r (clobbers r5)
.macro ttmix%= l, r
  lsls r5, r4, #\l
  eors r4, r5
  lsrs r5, r4, #\r
  adds r4, r4, r5
.endm
@ r5 = the n-grams of a marked word of length r5 (char_ngram_count; clobbers r6)
.macro ttngc%=
 .if %c[cmin] == 0
  movs r5, #0
 .else
  cmp r5, #%c[cmax]
  bcc .Lc1\@
  movs r6, #(%c[cmax] + 1 - %c[cmin])
  muls r5, r6, r5
  .if (%c[cmax] + 1 - %c[cmin]) * (%c[cmin] + %c[cmax]) / 2 > (%c[cmax] + 1 - %c[cmin])
  subs r5, #((%c[cmax] + 1 - %c[cmin]) * (%c[cmin] + %c[cmax]) / 2 - (%c[cmax] + 1 - %c[cmin]))
  .else
  adds r5, #((%c[cmax] + 1 - %c[cmin]) - (%c[cmax] + 1 - %c[cmin]) * (%c[cmin] + %c[cmax]) / 2)
  .endif
  b .Lc3\@
.Lc1\@:
  cmp r5, #%c[cmin]
  bcs .Lc2\@
  movs r5, #0
  b .Lc3\@
.Lc2\@:
  subs r5, #(%c[cmin] - 1)
  adds r6, r5, #1
  muls r5, r6, r5
  lsrs r5, r5, #1
.Lc3\@:
 .endif
.endm
  sub sp, #48
  str r2, [sp, #8]
  mov r8, r1
  ldr r4, =%c[tab]
  adds r4, r4, r3
  str r4, [sp, #12]
  ldr r4, =%c[emb]
  adds r4, r4, r3
  str r4, [sp, #16]
  ldr r4, [r2, #%c[oh]]
  str r4, [sp, #36]
 .if %c[cmax] >= 5
  ldr r4, [r2, #%c[oold]]
 .else
  movs r4, #0
 .endif
  str r4, [sp, #40]
 .if %c[wng] >= 2
  ldr r4, [r2, #%c[oprev]]
  str r4, [sp, #0]
  ldrb r4, [r2, #%c[ohp]]
  str r4, [sp, #4]
 .endif
  ldr r4, [r2, #%c[ocnt]]
  str r4, [sp, #44]
  ldr r1, [r2, #%c[ow]]
 .if %c[dim] == 1
  ldr r3, [r2, #%c[oacc]]
 .else
  movs r3, #%c[oacc]
  adds r3, r3, r2
 .endif
  ldr r2, [r2, #%c[olen]]
  adds r5, r2, #1
  ttngc%=
  ldr r6, [sp, #44]
  subs r6, r6, r5
  str r6, [sp, #44]
  b .Ltest%=
@ a byte that is not 'a'..'z' (r4)
.Lnot%=:
  cmp r4, #32
  bls .Lsep%=
  lsls r5, r4, #24
  bmi .Lword%=
  movs r5, r4
  subs r5, #65
  cmp r5, #25
  bhi .Lnu%=
  adds r4, #32
  b .Lword%=
.Lnu%=:
  movs r5, r4
  subs r5, #48
  cmp r5, #9
  bhi .Lnd%=
 .if %c[fold]
  movs r4, #48
 .endif
  b .Lword%=
.Lnd%=:
  cmp r4, #127
  beq .Lsep%=
  cmp r2, #0
  beq .Lp1%=
  bl .Lwend%=
.Lp1%=:
  subs r5, r0, #1
  ldrb r1, [r5]
  lsls r1, r1, #24
  movs r5, #60
  lsls r5, r5, #16
  orrs r1, r5
  movs r2, #1
  ttng%= 0, 2, 0x85EBCA77, .Lp2%=
.Lp2%=:
  bl .Lwend%=
  b .Ltest%=
.Lsep%=:
  cmp r2, #0
  beq .Ls1%=
  bl .Lwend%=
.Ls1%=:
  b .Ltest%=
.Lloop%=:
  ldrb r4, [r0]
  adds r0, #1
  movs r5, r4
  subs r5, #97
  cmp r5, #25
  bhi .Lnot%=
.Lword%=:
  ttold%=
  lsrs r1, r1, #8
  lsls r4, r4, #24
  orrs r1, r4
  adds r2, #1
  lsls r5, r2, #30
  bne .Lnr%=
  ldr r5, [sp, #36]
  uxth r6, r1
  adds r5, r5, r6
  lsrs r6, r1, #16
  lsls r6, r6, #11
  eors r6, r5
  lsls r5, r5, #16
  eors r5, r6
  lsrs r6, r5, #11
  adds r5, r5, r6
  str r5, [sp, #36]
.Lnr%=:
  ttngrams%= 1
.Ltest%=:
  cmp r0, r8
 .if (. - .Lloop%=) < 250
  bne .Lloop%=
 .else
  beq .Ldone%=
  b .Lloop%=
 .endif
.Ldone%=:
  adds r5, r2, #1
  ttngc%=
  ldr r6, [sp, #44]
  adds r5, r5, r6
  ldr r6, [sp, #8]
  str r5, [r6, #%c[ocnt]]
  ldr r4, [sp, #36]
  str r4, [r6, #%c[oh]]
  str r2, [r6, #%c[olen]]
  str r1, [r6, #%c[ow]]
  ldr r4, [sp, #40]
  str r4, [r6, #%c[oold]]
 .if %c[wng] >= 2
  ldr r4, [sp, #0]
  str r4, [r6, #%c[oprev]]
  ldr r4, [sp, #4]
  strb r4, [r6, #%c[ohp]]
 .else
  movs r4, #0
  str r4, [r6, #%c[oprev]]
  strb r4, [r6, #%c[ohp]]
 .endif
 .if %c[dim] == 1
  str r3, [r6, #%c[oacc]]
 .endif
  add sp, #48
  b .Lout%=
  .ltorg
@ feat: the feature hash r4 added (clobbers r4-r7, ip)
.Lfeat%=:
  ttfeat%=
  bx lr
@ wend: the pending word (r1, r2 > 0) ends: its n-grams with '>', the word, the bigram; the
@ count; the word reset (word_end, word_reset)
.Lwend%=:
  mov r4, lr
  str r4, [sp, #20]
  str r1, [sp, #24]
  str r2, [sp, #28]
  ttold%=
  lsrs r1, r1, #8
  movs r4, #62
  lsls r4, r4, #24
  orrs r1, r4
  adds r2, #1
  ttngrams%= 0
  ldr r1, [sp, #24]
  ldr r2, [sp, #28]
  ldr r4, [sp, #36]
  eors r4, r2
  movs r5, #3
  ands r5, r2
  beq .Lav%=
  cmp r5, #2
  beq .Lt2%=
  bhi .Lt3%=
  lsrs r5, r1, #24
  adds r4, r4, r5
  ttmix%= 10, 1
  b .Lav%=
.Lt2%=:
  lsrs r5, r1, #16
  adds r4, r4, r5
  ttmix%= 11, 17
  b .Lav%=
.Lt3%=:
  lsls r5, r1, #8
  lsrs r5, r5, #16
  adds r4, r4, r5
  lsls r5, r4, #16
  eors r4, r5
  lsrs r5, r1, #24
  lsls r5, r5, #18
  eors r4, r5
  lsrs r5, r4, #11
  adds r4, r4, r5
.Lav%=:
  ttmix%= 3, 5
  ttmix%= 4, 17
  ttmix%= 25, 6
 .if %c[wng] >= 2
  str r4, [sp, #32]
 .endif
  bl .Lfeat%=
  adds r5, r2, #2
  ttngc%=
  adds r5, #1
  ldr r6, [sp, #44]
  adds r6, r6, r5
  str r6, [sp, #44]
 .if %c[wng] >= 2
  ldr r5, [sp, #4]
  cmp r5, #0
  beq .Lnb%=
  ldr r4, [sp, #0]
  ldr r5, =0x9E3779B1
  muls r4, r5, r4
  ldr r5, [sp, #32]
  adds r4, r4, r5
  lsrs r5, r4, #16
  eors r4, r5
  ldr r5, =0x85EBCA6B
  muls r4, r5, r4
  lsrs r5, r4, #13
  eors r4, r5
  bl .Lfeat%=
  ldr r6, [sp, #44]
  adds r6, #1
  str r6, [sp, #44]
.Lnb%=:
  ldr r5, [sp, #32]
  str r5, [sp, #0]
  movs r5, #1
  str r5, [sp, #4]
 .endif
  ldr r4, =0x2F0B3A49
  str r4, [sp, #36]
  movs r2, #0
  movs r1, #60
  lsls r1, r1, #24
 .if %c[cmax] >= 5
  movs r4, #0
  str r4, [sp, #40]
 .endif
  ldr r4, [sp, #20]
  bx r4
  .ltorg
.Lout%=:
  .purgem ttloadc%=
  .purgem ttrow%=
  .purgem ttfeat%=
  .purgem ttfp%=
  .purgem ttcall%=
  .purgem ttng%=
  .purgem ttold%=
  .purgem ttmix%=
  .purgem ttngrams%=
  .purgem ttngc%=
  .syntax divided
)ASM"
      : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
      : [cmin] "i"(M::Tokenizer::char_min), [cmax] "i"(M::Tokenizer::char_max),
        [wng] "i"(M::Tokenizer::word_ngrams), [fold] "i"(M::Tokenizer::fold_digits),
        [dim] "i"(M::dim < D ? M::dim : D), [groups] "i"(M::groups), [buckets] "i"(M::Tokenizer::buckets),
        [first] "i"(M::kTableFirst), [tab] "i"(M::kTableAt), [emb] "i"(M::kEmbAt),
        [oh] "i"(offsetof(St, tok.word.h)), [olen] "i"(offsetof(St, tok.word.len)),
        [ow] "i"(offsetof(St, tok.word.w)), [oold] "i"(offsetof(St, tok.old)),
        [oprev] "i"(offsetof(St, tok.prev)), [ohp] "i"(offsetof(St, tok.has_prev)),
        [ocnt] "i"(offsetof(St, count)), [oacc] "i"(offsetof(St, acc))
      : "r4", "r5", "r6", "r7", "r8", "r12", "lr", "cc", "memory");
}

}  // namespace detail
}  // namespace tt
#endif  // Thumb-1

#endif  // TINYTEXT_ARCH_THUMB1_PUSH_RUN_H

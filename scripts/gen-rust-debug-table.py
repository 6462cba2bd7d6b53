#!/usr/bin/env python3
"""Prints the code-point ranges Rust's `{:?}` on a str escapes as \\u{hex}.

Rust escapes a char when it is Grapheme_Extend (Mn + Me + Other_Grapheme_Extend)
or not printable (general category Cc Cf Cs Co Cn Zl Zp, or Zs other than the
space). Output is the body of `kEscapedRanges` in
adapters/tools/rust_debug_string.cpp; it depends on Python's Unicode version.
Usage: python3 scripts/gen-rust-debug-table.py
"""
import sys
import unicodedata

# PropList.txt Other_Grapheme_Extend (stable across Unicode 14-15).
OTHER_GRAPHEME_EXTEND = [
    (0x09BE, 0x09BE), (0x09D7, 0x09D7), (0x0B3E, 0x0B3E), (0x0B57, 0x0B57),
    (0x0BBE, 0x0BBE), (0x0BD7, 0x0BD7), (0x0CC2, 0x0CC2), (0x0CD5, 0x0CD6),
    (0x0D3E, 0x0D3E), (0x0D57, 0x0D57), (0x0DCF, 0x0DCF), (0x0DDF, 0x0DDF),
    (0x1B35, 0x1B35), (0x200C, 0x200C), (0x302E, 0x302F), (0xFF9E, 0xFF9F),
    (0x1133E, 0x1133E), (0x11357, 0x11357), (0x114B0, 0x114B0), (0x114BD, 0x114BD),
    (0x115AF, 0x115AF), (0x11930, 0x11930), (0x1D165, 0x1D165), (0x1D16E, 0x1D172),
    (0xE0020, 0xE007F),
]
NON_PRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}


def escaped(cp, oge):
    if cp in oge:
        return True
    cat = unicodedata.category(chr(cp))
    if cat in ("Mn", "Me"):
        return True
    return cat in NON_PRINTABLE and cp != 0x20


def main():
    oge = set()
    for lo, hi in OTHER_GRAPHEME_EXTEND:
        oge.update(range(lo, hi + 1))
    ranges = []
    start = None
    for cp in range(0x110000 + 1):
        on = cp <= 0x10FFFF and escaped(cp, oge)
        if on and start is None:
            start = cp
        elif not on and start is not None:
            ranges.append((start, cp - 1))
            start = None
    sys.stdout.write(f"// Unicode {unicodedata.unidata_version}: {len(ranges)} ranges\n")
    line = ""
    for lo, hi in ranges:
        item = f"{{0x{lo:X}, 0x{hi:X}}}, "
        if len(line) + len(item) > 96:
            sys.stdout.write(line.rstrip() + "\n")
            line = ""
        line += item
    if line:
        sys.stdout.write(line.rstrip() + "\n")


if __name__ == "__main__":
    main()

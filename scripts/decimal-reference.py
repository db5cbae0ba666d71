#!/usr/bin/env python3
"""Writes payrun.decimal's reference cases, computed by Python's decimal module.

    python3 scripts/decimal-reference.py > Tests/PayrunRuntimeTests/Reference/decimal.txt

payrun's decimals are a significand of at most 38 digits and a scale (fraction digits) of 0 to
38; an operation whose exact result needs more digits is an overflow, and only division and
rounding round (products past 38 places round half-even to 38). This script states those rules
and leaves every value and every rounding to Python's decimal: results are exact (a context of
400 digits), and a division is rounded to 200 digits with ROUND_05UP first, which keeps the
rounding to the final scale free of double-rounding errors. DecimalReferenceTests replays the file.

One case a line, tab-separated: operation, operands, arguments, expected text or "overflow".
"""
import decimal
import random
from decimal import Decimal

EXACT = decimal.Context(prec=400, traps=[decimal.InvalidOperation, decimal.DivisionByZero])
WIDE = decimal.Context(prec=200, rounding=decimal.ROUND_05UP)
LARGEST = 10**38 - 1
ROUNDINGS = {
    "half_even": decimal.ROUND_HALF_EVEN, "half_up": decimal.ROUND_HALF_UP, "half_down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN, "up": decimal.ROUND_UP, "floor": decimal.ROUND_FLOOR, "ceiling": decimal.ROUND_CEILING,
}


def text(d):
    return format(d, "f")


def scale_of(d):
    return max(0, -d.as_tuple().exponent)


def at_scale(d, scale, rounding=decimal.ROUND_HALF_EVEN):
    """d with exactly `scale` fraction digits as payrun prints it, or "overflow" past 38 digits."""
    q = d.quantize(Decimal(1).scaleb(-scale), rounding=rounding, context=EXACT)
    if abs(int(q.scaleb(scale, context=EXACT))) > LARGEST:
        return "overflow"
    text = format(q, "f")
    return text[1:] if text.startswith("-") and q == 0 else text


def number(rng):
    """A decimal's text: up to 38 digits, 0 to 38 places, leaning to the edges."""
    shape = rng.random()
    if shape < 0.08:
        digits = 38
    elif shape < 0.2:
        digits = rng.randint(30, 38)
    else:
        digits = rng.randint(1, 20)
    scale = rng.choice([0, 0, 2, 2, 4, rng.randint(0, min(38, digits + 5)), 38 - rng.randint(0, 3)])
    scale = min(scale, 38)
    if rng.random() < 0.1:
        body = "9" * digits
    elif rng.random() < 0.1:
        body = "1" + "0" * (digits - 1)
    elif rng.random() < 0.1:
        body = str(rng.randint(0, 9)) * (digits - 1) + "5"   # ties when rounded
    else:
        body = "".join(rng.choice("0123456789") for _ in range(digits))
    body = body.lstrip("0") or "0"
    if scale:
        body = body.rjust(scale + 1, "0")
        body = body[:-scale] + "." + body[-scale:]
    return ("-" if rng.random() < 0.4 else "") + body


def main():
    rng = random.Random(20261201)
    lines = []
    for _ in range(600):
        # Operands are written as number() wrote them (never in E notation).
        a, b = Decimal(number(rng)), Decimal(number(rng))
        sa, sb = scale_of(a), scale_of(b)
        lines.append(f"add\t{text(a)}\t{text(b)}\t-\t{at_scale(EXACT.add(a, b), max(sa, sb))}")
        lines.append(f"sub\t{text(a)}\t{text(b)}\t-\t{at_scale(EXACT.subtract(a, b), max(sa, sb))}")
        # Products keep the operands' places; the digits the product needs are its trimmed
        # operands' places together, rounded half-even past 38.
        product = EXACT.multiply(a, b)
        needed = scale_of(a.normalize(EXACT)) + scale_of(b.normalize(EXACT))
        lines.append(f"mul\t{text(a)}\t{text(b)}\t-\t{at_scale(product, 38 if needed > 38 else max(needed, sa, sb))}")
        cmp = (a > b) - (a < b)
        lines.append(f"cmp\t{text(a)}\t{text(b)}\t-\t{cmp}")
        if b != 0:
            name = rng.choice(sorted(ROUNDINGS))
            scale = rng.choice([0, 2, 2, 6, 10, rng.randint(0, 38), 38])
            lines.append(f"div\t{text(a)}\t{text(b)}\t{scale} {name}\t{at_scale(WIDE.divide(a, b), scale, ROUNDINGS[name])}")
        name = rng.choice(sorted(ROUNDINGS))
        scale = rng.choice([0, 1, 2, rng.randint(0, 38), 38])
        lines.append(f"round\t{text(a)}\t-\t{scale} {name}\t{at_scale(a, scale, ROUNDINGS[name])}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

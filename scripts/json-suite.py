#!/usr/bin/env python3
"""Writes the JSON conformance cases payrun's parser is held to, in JSONTestSuite's manner:

    python3 scripts/json-suite.py      (rewrites Tests/PayrunFormatsTests/JSONSuite/)

y_NAME.json must be accepted, n_NAME.json refused, i_NAME.json may go either way (it must not
crash). Every y_ and n_ label is first checked against a strict reference, Python's json module
made strict (no NaN/Infinity, no lone surrogates, UTF-8 only): the script stops if they disagree.
JSONSuiteTests replays the files; scripts/fuzz.sh json starts from them too.
"""
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "..", "Tests", "PayrunFormatsTests", "JSONSuite")

Y = {
    "array_empty": b"[]", "array_nested": b"[[[[[]]]],[[]]]", "array_mixed": b'[1,"a",true,false,null,{},[]]',
    "array_whitespace": b" \t\r\n[ 1 ,\n\t2 ] \r\n", "object_empty": b"{}", "object_simple": b'{"a":1,"b":[2]}',
    "object_empty_key": b'{"":0}', "object_nested": b'{"a":{"b":{"c":{}}}}', "object_spaces": b'{ "a" : 1 , "b" : 2 }',
    "object_duplicate_same": b'{"a":1,"a":1}',
    "number_zero": b"0", "number_negative_zero": b"-0", "number_int": b"123", "number_negative": b"-123",
    "number_fraction": b"1.5", "number_exponent": b"1e5", "number_exponent_upper": b"1E5", "number_exponent_plus": b"1e+5",
    "number_exponent_minus": b"1e-5", "number_fraction_exponent": b"-1.25e-3", "number_zero_fraction": b"0.0",
    "number_int64_max": b"9223372036854775807", "number_int64_min": b"-9223372036854775808",
    "number_big_int": b"[123456789012345678901234567890]", "number_many_digits": b"[0.12345678901234567890123]",
    "number_large_exponent": b"[1.5e300]", "number_small_exponent": b"[1e-300]", "number_in_array": b"[1,-2,3.5]",
    "string_empty": b'""', "string_simple": b'"abc"', "string_escapes": b'"\\" \\\\ \\/ \\b \\f \\n \\r \\t"',
    "string_unicode_escape": b'"\\u00e9\\u20AC"', "string_surrogate_pair": b'"\\ud83d\\ude00"',
    "string_utf8": '"é€😀"'.encode(), "string_escaped_nul": b'"\\u0000"', "string_del": b'"\x7f"',
    "string_in_object_key": b'{"\\u00e9":"\\n"}', "string_long": b'"' + b"x" * 5000 + b'"',
    "true": b"true", "false": b"false", "null": b"null", "scalar_string": b'"x"',
    "deep_100": b"[" * 100 + b"]" * 100,
}
N = {
    "empty": b"", "whitespace_only": b"  \n", "array_trailing_comma": b"[1,]", "array_leading_comma": b"[,1]",
    "array_missing_comma": b"[1 2]", "array_unclosed": b"[1", "array_extra_close": b"[1]]", "array_colon": b'["a":1]',
    "object_trailing_comma": b'{"a":1,}', "object_unquoted_key": b"{a:1}", "object_single_quotes": b"{'a':1}",
    "object_missing_colon": b'{"a" 1}', "object_missing_value": b'{"a":}', "object_number_key": b"{1:1}",
    "object_unclosed": b'{"a":1', "object_comma_only": b"{,}", "object_double_colon": b'{"a"::1}',
    "number_leading_zero": b"01", "number_plus": b"+1", "number_dot_start": b".5", "number_dot_end": b"1.",
    "number_minus_only": b"-", "number_exponent_empty": b"1e", "number_exponent_sign_only": b"1e+",
    "number_hex": b"0x1F", "number_nan": b"NaN", "number_infinity": b"Infinity", "number_minus_infinity": b"-Infinity",
    "number_minus_space": b"- 1", "number_double_minus": b"--1", "number_comma_decimal": b"1,5",
    "string_unclosed": b'"abc', "string_single_quotes": b"'abc'", "string_raw_newline": b'"a\nb"',
    "string_raw_tab": b'"a\tb"', "string_raw_nul": b'"a\x00b"', "string_bad_escape": b'"\\a"', "string_escape_x": b'"\\x41"',
    "string_short_unicode": b'"\\u12"', "string_bad_unicode": b'"\\u12G4"', "string_escape_at_end": b'"\\"',
    "literal_true_prefix": b"tru", "literal_null_prefix": b"nul", "literal_upper": b"TRUE", "literal_python_none": b"None",
    "two_values": b"1 2", "two_arrays": b"[][]", "comment_line": b"[1] // c", "comment_block": b"/* c */ [1]",
    "trailing_garbage": b"[1]x", "lone_close": b"]", "lone_colon": b":", "unquoted_string": b"abc",
}
I = {
    # Implementation-defined, as in JSONTestSuite: either answer is right, a crash is not.
    "string_lone_high_surrogate": b'"\\ud800"', "string_lone_low_surrogate": b'"\\udc00"',
    "string_reversed_surrogates": b'"\\udc00\\ud800"', "string_invalid_utf8": b'"\xff"',
    "string_overlong_utf8": b'"\xc0\xaf"', "string_utf8_surrogate": b'"\xed\xa0\x80"', "string_truncated_utf8": b'"\xe2\x82"',
    "bom": b"\xef\xbb\xbf[1]", "number_huge_exponent": b"[1e99999]", "number_tiny_exponent": b"[1e-99999]",
    "number_very_long": b"[" + b"9" * 400 + b"]", "deep_1000": b"[" * 1000 + b"]" * 1000,
    "object_duplicate_different": b'{"a":1,"a":2}', "utf16": '["é"]'.encode("utf-16"),
}


def strict_accepts(data):
    def refuse(name):
        raise ValueError(name)
    try:
        text = data.decode("utf-8")
        if text.startswith("\ufeff"):
            return False
        value = json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError):
        return False
    # Python takes lone surrogate escapes; a strict reader does not.
    return not re.search(r"[\ud800-\udfff]", json.dumps(value, ensure_ascii=False), flags=0) if "\\u" in text else True


def main():
    disagreements = [f"y_{n}" for n, d in Y.items() if not strict_accepts(d)] + [f"n_{n}" for n, d in N.items() if strict_accepts(d)]
    if disagreements:
        sys.exit("the strict reference disagrees with: " + ", ".join(disagreements))
    shutil.rmtree(SUITE, ignore_errors=True)
    os.makedirs(SUITE)
    for prefix, cases in (("y", Y), ("n", N), ("i", I)):
        for name, data in cases.items():
            with open(os.path.join(SUITE, f"{prefix}_{name}.json"), "wb") as file:
                file.write(data)
    print(f"{len(Y)} accepted, {len(N)} refused, {len(I)} either way: {os.path.normpath(SUITE)}")


if __name__ == "__main__":
    main()

// The LuaLS annotations of the methods of payrun.decimal numbers: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension DecimalValue {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "decimal:", registered: luaMethods.map(\.name), entries: [
            .text("""
                ---@class payrun.decimal: userdata
                ---@operator add(payrun.decimal|number|string): payrun.decimal
                ---@operator sub(payrun.decimal|number|string): payrun.decimal
                ---@operator mul(payrun.decimal|number|string): payrun.decimal
                ---@operator div(payrun.decimal|number|string): payrun.decimal
                ---@operator unm: payrun.decimal
                ---@operator concat(string|number): string
                local decimal = {}
                """),
            .function("add", """
                ---@param other payrun.decimal|number|string
                ---@return payrun.decimal
                """),
            .function("sub", """
                ---@param other payrun.decimal|number|string
                ---@return payrun.decimal
                """),
            .function("mul", """
                ---The exact product (kept to the larger of the two scales at least: 2.50 * 3 is 7.50).
                ---@param other payrun.decimal|number|string
                ---@return payrun.decimal
                """),
            .function("div", """
                ---The quotient with `scale` decimal places, rounded as asked (default "half_even").
                ---@param other payrun.decimal|number|string
                ---@param scale integer 0 to 38
                ---@param rounding? payrun.decimal.rounding
                ---@return payrun.decimal
                """),
            .function("round", """
                ---This number with `scale` decimal places, rounded as asked (default "half_even") or padded.
                ---@param scale integer 0 to 38
                ---@param rounding? payrun.decimal.rounding
                ---@return payrun.decimal
                """),
            .function("units", """
                ---The integer count of 10^-`scale` units (12.34 at scale 2 is 1234); raises if digits would be lost.
                ---@param scale integer
                ---@return integer
                """),
            .function("cmp", """
                ---@param other payrun.decimal|number|string
                ---@return integer -1, 0 or 1
                """),
            .function("neg", """
                ---@return payrun.decimal
                """),
            .function("abs", """
                ---@return payrun.decimal
                """),
            .function("sign", """
                ---@return integer -1, 0 or 1
                """),
            .function("iszero", """
                ---@return boolean
                """),
            .function("scale", """
                ---Digits after the decimal point, as given: 2 for 12.50.
                ---@return integer
                """),
            .function("tostring", """
                ---The exact digits, e.g. "-12.50".
                ---@return string
                """),
            .function("tonumber", """
                ---The nearest float, for display or maths where exactness does not matter.
                ---@return number
                """),
        ])
    }
}

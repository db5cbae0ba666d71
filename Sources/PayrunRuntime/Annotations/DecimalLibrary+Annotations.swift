// The LuaLS annotations of payrun.decimal: `payrun annotations` writes them into the
// editor library with the others, and a test keeps scripts/library/payrun.lua equal to them.

extension DecimalLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.decimal.", registered: functions.map(\.name), entries: [
            .text("""
                ---Exact decimal numbers for money: `payrun.decimal.new("0.1") + "0.2" == payrun.decimal.new("0.3")`.
                ---Up to 38 digits; nothing rounds unless asked (`/` must be exact, `d:div` and `d:round` take a
                ---rounding). Operators accept decimals, integers, floats (their shortest digits) and numeric
                ---strings; `==` needs decimals on both sides (Lua compares a number and a userdata as unequal).
                ---`payrun.json.encode` writes a decimal as a JSON number with its exact digits.
                ---@class payrun.decimallib
                ---@field rounding { half_even: string, half_up: string, half_down: string, down: string, up: string, floor: string, ceiling: string } The rounding names.
                payrun.decimal = {}
                """),
            .function("new", """
                ---A decimal from a decimal, an integer, a float or a numeric string ("12.50", "1e-3");
                ---raises an error for anything else.
                ---@param value payrun.decimal|number|string
                ---@return payrun.decimal
                """),
            .function("trynew", """
                ---Like `new`, but returns nil and a message instead of raising.
                ---@param value any
                ---@return payrun.decimal|nil, string|nil
                """),
            .function("units", """
                ---The decimal `units` × 10^-`scale`: `payrun.decimal.units(1250, 2)` is 12.50 (minor units to an amount).
                ---@param units integer
                ---@param scale integer 0 to 38
                ---@return payrun.decimal
                """),
            .function("sum", """
                ---The exact sum of a list of decimals, numbers or numeric strings.
                ---@param list (payrun.decimal|number|string)[]
                ---@return payrun.decimal
                """),
            .function("isdecimal", """
                ---Whether `value` is a decimal.
                ---@param value any
                ---@return boolean
                """),
            .text("""
                ---@alias payrun.decimal.rounding "half_even"|"half_up"|"half_down"|"down"|"up"|"floor"|"ceiling"
                """),
        ])
    }
}

// Lua the built-in providers' extensions share, put before each one's own chunk.

enum ExtensionLua {
    /// `options_of(options, position, name, fields [, level])`: the options table (an empty one
    /// for nil), or an argument error for a field it does not read, pointing `level` levels up
    /// (3, the script's call of the method, by default).
    static let optionsOf = #"""
        -- A misspelt option would otherwise be dropped without a word: `verifcation = "PIN"`
        -- signing a batch instead, `timout = 1` waiting the default minute.
        local function options_of(options, position, name, fields, level)
          level = level or 3
          if options == nil then return {} end
          if type(options) ~= "table" then
            error(string.format("bad argument #%d to '%s' (table expected, got %s)", position, name, type(options)), level)
          end
          for key in pairs(options) do
            local known = false
            for _, field in ipairs(fields) do known = known or key == field end
            if not known then
              local shown = type(key) == "string" and "'" .. key .. "'" or "[" .. tostring(key) .. "]"
              error(string.format("bad argument #%d to '%s' (unknown field %s (the fields are %s))",
                                  position, name, shown, table.concat(fields, ", ")), level)
            end
          end
          return options
        end

        """#
}

// payrun's stoppable string.find/match/gmatch/gsub against stock Lua's, on a corpus and on
// thousands of generated patterns: same results, same errors.
import CLua
import LuaKit
import Testing

@Suite struct StoppablePatternTests {
    /// Runs every case through both implementations and returns the cases that differ.
    static let comparison = #"""
        local stock = stock
        local ours = { find = string.find, match = string.match, gmatch = string.gmatch, gsub = string.gsub }
        local function show(ok, ...)
          local t = table.pack(ok, ...)
          for i = 1, t.n do t[i] = type(t[i]) == "string" and ("%q"):format(t[i]) or tostring(t[i]) end
          return table.concat(t, ",")
        end
        local function all_of(lib, name, s, p, extra)
          if name == "gmatch" then
            return show(pcall(function()
              local out, n = {}, 0
              for a, b in lib.gmatch(s, p, extra) do
                n = n + 1; out[#out + 1] = tostring(a) .. "|" .. tostring(b)
                if n > 50 then break end
              end
              return table.concat(out, ";")
            end))
          elseif name == "gsub" then
            local replacements = { "<%0>", "%1", "%%", "x", function(a) return a and a:upper() end, { a = "A", b = false } }
            local r = replacements[(extra or 1) % #replacements + 1]
            return show(pcall(lib.gsub, s, p, r))
          end
          return show(pcall(lib[name], s, p, extra))
        end
        local differences = {}
        local function compare(s, p, extra)
          for _, name in ipairs({ "find", "match", "gmatch", "gsub" }) do
            local a, b = all_of(stock, name, s, p, extra), all_of(ours, name, s, p, extra)
            if a ~= b then
              differences[#differences + 1] = ("%s(%q, %q, %s): stock %s, ours %s"):format(name, s, p, tostring(extra), a, b)
            end
          end
        end
        local corpus = {
          { "hello world", "o w" }, { "hello", "l+" }, { "key=val", "(%w+)=(%w+)" }, { "  trim  ", "^%s*(.-)%s*$" },
          { "f(a(b)c)d", "%b()" }, { "THE (quick) fox", "%f[%a]%a+" }, { "a.b", "." }, { "a+b", "a+b" },
          { "abc", "" }, { "abc", "()" }, { "abc", "()b()" }, { "aaa", "a-" }, { "aaa", "a-$" }, { "aaab", "a*b" },
          { "x", "[%]]" }, { "]", "[]]" }, { "a-z", "[a%-z]+" }, { "a^b", "[%^b]+" }, { "abc", "[^a]+" },
          { "2024-11-20", "(%d+)-(%d+)-(%d+)" }, { "abcabc", "(abc)%1" }, { "abab", "(a)(b)%2" },
          { "a", "%1" }, { "a", "(%1)" }, { "a", "[a" }, { "a", "%" }, { "a", "%f" }, { "a", "%b" }, { "a", "(a" },
          { "a", "a)" }, { "a", "%g" }, { "\0a\0", "%z" }, { "a\0b", "\0" }, { "a\0b", "[\0]" }, { "caf\195\169", "[\128-\255]+" },
          { "x=1, y=2", "(%w+)=(%w+)" }, { "abc", "^b" }, { "abc", "c$" }, { "a$c", "$c" }, { "aXb", "%u" }, { "a b", "%S+" },
          { "12ab", "%x+" }, { "a.b,c", "%p" }, { "tab\there", "%c" }, { "", "" }, { "", "a*" }, { "abc", "a?b?c?d?" },
          { "[[x]]", "%[%[(.-)%]%]" }, { "one two", "%f[%w]%w+" }, { "THE END", "%f[%l]" }, { "a,b,,c", "([^,]*)" },
        }
        for _, case in ipairs(corpus) do
          compare(case[1], case[2])
          compare(case[1], case[2], 2)
          compare(case[1], case[2], -2)
        end
        -- Generated patterns over a small alphabet, deterministic.
        local seed = 12345
        local function random(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
        local atoms = { "a", "b", ".", "%a", "%d", "[ab]", "[^a]", "%%", "(", ")", "()", "%1", "%b()", "%f[a]", "$", "^", "-", "*", "+", "?", "[", "]", "%" }
        local letters = { "a", "b", "c", "1", "(", ")", " ", "%" }
        for _ = 1, 3000 do
          local p, s = {}, {}
          for _ = 1, random(6) do p[#p + 1] = atoms[random(#atoms)] end
          for _ = 1, random(10) - 1 do s[#s + 1] = letters[random(#letters)] end
          compare(table.concat(s), table.concat(p), random(4) - 2)
        end
        return #differences, table.concat(differences, "\n", 1, math.min(#differences, 10))
        """#

    @Test func theStoppableMatcherBehavesAsStockLua() throws {
        let state = try LuaState()
        try state.open([.base, .string, .table, .math])
        let stack = state.stack
        let chunk = try state.load(Self.comparison, chunkName: "=comparison")
        // The stock functions, kept by LuaKit when it installed its own.
        lua_createtable(state.handle, 0, 4)
        for name in ["find", "match", "gmatch", "gsub"] {
            stack.pushRegistryValue("luakit.stock.string.\(name)")
            stack.setField(name, in: -2)
        }
        stack.setGlobal("stock")
        let results = try state.call(chunk)
        #expect(results.first == 0, "\(results.last?.text ?? "")")
    }
}

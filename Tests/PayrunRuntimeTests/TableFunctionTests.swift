// payrun.table: rows as aligned columns, amounts lined up on their last digit.
import LuaKit
import Testing

@Suite struct TableFunctionTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    @Test func namedRowsUnderAHeaderWithNumbersRightAligned() throws {
        let results = try harness.run("""
            local D = payrun.decimal.new
            return payrun.table({ { id = "p_1", amount = D("12.50"), status = "paid" },
                                  { id = "p_20", amount = D("3.00"), status = "failed" },
                                  { id = "p_3", amount = 1000 } }, { columns = { "id", "amount", "status" } })
            """)
        #expect(results == ["id    amount  status\n----  ------  ------\np_1    12.50  paid\np_20    3.00  failed\np_3     1000\n"])
    }

    /// Capitalist's balances are strings: they line up as numbers do; ids and words do not.
    @Test func amountsInStringsAreRightAlignedToo() throws {
        let results = try harness.run("""
            return payrun.table({ { account = "R-1", balance = "12.50", code = "7a" },
                                  { account = "R-22", balance = "-1000.00", code = "1." } }, { columns = { "account", "balance", "code" } })
            """)
        #expect(results == ["account   balance  code\n-------  --------  ----\nR-1         12.50  7a\nR-22     -1000.00  1.\n"])
    }

    @Test func listsAlignmentAndWideCharacters() throws {
        #expect(try harness.run("return payrun.table({ { 'a', 1 }, { 'bb', 22 } })") == ["a    1\nbb  22\n"])
        #expect(try harness.run("return payrun.table({ { x = 'é€', y = 1 } }, { align = { y = 'left' } })") == ["x   y\n--  -\né€  1\n"])
        #expect(try harness.run("return payrun.table({ { n = 'two\\nlines' } }, { header = false })") == ["two lines\n"])
        #expect(try harness.failure(of: "payrun.table({ 1 })") == "test:1: bad argument #1 to 'table' (row 1 is a number, not a table)")
        #expect(try harness.failure(of: "payrun.table({}, { align = { x = 'middle' } })")
            == #"test:1: bad argument #2 to 'table' (field 'align' must map column names to "left" or "right")"#)
    }
}

// Options tables take only the fields their function reads: a misspelt option is an argument
// error naming it (and what it was likely meant to be), never silently dropped.
import LuaKit
import Testing

@Suite struct OptionFieldsTests {
    let harness: ScriptHarness

    init() throws {
        harness = try ScriptHarness()
    }

    @Test func aMisspeltOptionIsNamedWithTheFieldItWasLikelyMeantToBe() throws {
        #expect(try harness.failure(of: "payrun.inspect({}, {max_item = 2})")
            == "test:1: bad argument #2 to 'inspect' (unknown field 'max_item' (did you mean 'max_items'?))")
        #expect(try harness.failure(of: "payrun.json.encode({}, {sortkeys = true})")
            == "test:1: bad argument #2 to 'encode' (unknown field 'sortkeys' (did you mean 'sort_keys'?))")
        #expect(try harness.failure(of: "payrun.json.decode('1', {Big_Numbers = 'float'})")
            == "test:1: bad argument #2 to 'decode' (unknown field 'Big_Numbers' (did you mean 'big_numbers'?))")
        #expect(try harness.failure(of: "payrun.table({{a = 1}}, {column = {'a'}})")
            == "test:1: bad argument #2 to 'table' (unknown field 'column' (did you mean 'columns'?))")
        #expect(try harness.failure(of: "payrun.csv.encode({{a = 1}}, {seperator = ';'})")
            == "test:1: bad argument #2 to 'encode' (unknown field 'seperator' (did you mean 'separator'?))")
        #expect(try harness.failure(of: "payrun.csv.rows('a\\n1\\n', {headers = false})")
            == "test:1: bad argument #2 to 'rows' (unknown field 'headers' (did you mean 'header'?))")
    }

    @Test func anOptionFarFromEveryFieldListsTheFields() throws {
        #expect(try harness.failure(of: "payrun.inspect({}, {colour = true})")
            == "test:1: bad argument #2 to 'inspect' (unknown field 'colour' (the fields are depth, max_items, width, indent))")
        #expect(try harness.failure(of: "payrun.parallel({1}, function(x) return x end, {16})")
            == "test:1: bad argument #3 to 'parallel' (unknown field [1] (the fields are concurrency, progress))")
    }

    /// A progress line counts forward, within what it can count: a total or step too large
    /// for a whole number stopped payrun with a Swift trap, and a negative step drew -167%.
    @Test func progressTakesOnlyCountsItCanShow() throws {
        #expect(try harness.failure(of: "payrun.progress(1e300)")
            == "test:1: bad argument #1 to 'progress' (the total must be a number from 0 to 10^15)")
        #expect(try harness.failure(of: "payrun.progress(3):add(2^63)")
            == "test:1: bad argument #1 to 'add' (a step must be a number from 0 to 10^15)")
        #expect(try harness.failure(of: "payrun.progress(3):add(-5)")
            == "test:1: bad argument #1 to 'add' (a step must be a number from 0 to 10^15)")
        #expect(try harness.failure(of: "payrun.parallel({1}, print, {progress = 5})")
            == "test:1: bad argument #3 to 'parallel' (field 'progress': boolean or string expected, got number)")
        // Many steps past what a whole number holds exactly still draw, as Lua prints them.
        #expect(try harness.run("local p = payrun.progress(1e15) for _ = 1, 20 do p:add(1e15) end p:done() return true") == [true])
    }

    /// Items keyed by name, or after a hole, were left out without a word: a payout of none.
    @Test func parallelTakesAListAndSaysWhichKeyIsNotOne() throws {
        #expect(try harness.failure(of: "payrun.parallel({ usr_1 = 100 }, print)")
            == "test:1: bad argument #1 to 'parallel' (the items must be a list, 1 to n: key 'usr_1' is not one (payrun.parallel would leave it out))")
        #expect(try harness.failure(of: "payrun.parallel({ [1] = 1, [2] = 2, [5] = 5 }, print)")
            == "test:1: bad argument #1 to 'parallel' (the items must be a list, 1 to n: key [5] is not one (payrun.parallel would leave it out))")
        #expect(try harness.run("return #payrun.parallel({ 1, 2, 3 }, function(x) return x end), #payrun.parallel({}, print)") == [3, 0])
    }

    @Test func theFieldsAFunctionReadsAreStillTakenAndNilOptionsStillMeanNone() throws {
        #expect(try harness.run("return payrun.inspect({1, 2, 3}, {max_items = 1, depth = 1})")[0].text == "{ 1, ... (2 more) }")
        #expect(try harness.run("return payrun.json.encode({b = 1, a = 2}, {sort_keys = true})")[0].text == #"{"a":2,"b":1}"#)
        #expect(try harness.run("return #payrun.parallel({1, 2}, function(x) return x end, {concurrency = 2, progress = false})")[0] == .integer(2))
        #expect(try harness.run("return payrun.csv.encode({{1, 2}}, nil)")[0].text == "1,2\r\n")
        #expect(try harness.run("return payrun.inspect(1, nil)")[0].text == "1")
    }
}

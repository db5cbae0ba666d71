// payrun.uuid: random UUIDs, and name-based ones that are the same on every run and machine, the
// keys that make a re-run of a script recognisable to the provider.
import LuaKit
import Testing

@Suite struct OperationKeyTests {
    @Test func namedUUIDsAreVersionFiveAndMatchAnIndependentImplementation() throws {
        let harness = try ScriptHarness()
        // Python's uuid.uuid5 over payrun's namespace, parts joined with U+001F.
        let named = try harness.run(#"return payrun.uuid("tradevest", "onboard", "ada@example.com"), payrun.uuid("a", 42)"#)
        #expect(named.map(\.text) == ["df92eb75-01af-57ee-9d77-c8b61b1b1cb7", "b925e33a-97c6-5004-86b7-daf9b573a15f"])
        let separated = try harness.run(#"return payrun.uuid("a", "bc") ~= payrun.uuid("ab", "c")"#)
        #expect(separated == [.boolean(true)], "parts are kept apart")
    }

    @Test func randomUUIDsAreVersionFourAndDiffer() throws {
        let harness = try ScriptHarness()
        let results = try harness.run("return payrun.uuid(), payrun.uuid()")
        let first = try #require(results.first?.text)
        #expect(first.range(of: #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#, options: .regularExpression) != nil)
        #expect(results[0] != results[1])
        #expect(try harness.failure(of: "payrun.uuid({})").contains("bad argument #1 to 'uuid' (string or number expected, got table)"))
    }
}

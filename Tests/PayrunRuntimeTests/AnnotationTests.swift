// `payrun annotations` writes every registered function's annotations, and nothing else, as
// valid Lua (BuiltInAnnotationTests checks the shipped file with the built-in providers).
import LuaKit
@testable import PayrunRuntime
import Testing

@Suite struct AnnotationTests {
    @Test func everyRegisteredFunctionIsAnnotated() throws {
        // Each table's annotated names are its registered names, so the file lists every function.
        for table in LuaAnnotations.tables(providers: []) {
            #expect(table.mismatches.isEmpty, "\(table.prefix): \(table.mismatches)")
        }
        let text = try LuaAnnotations.file()
        for name in ProviderHandle.luaMethods.map(\.name) { #expect(text.contains("function provider:\(name)(")) }
        for name in JSONLibrary.functions.map(\.name) { #expect(text.contains("function payrun.json.\(name)(")) }
        #expect(text.contains("function payrun.parallel(items, fn, options) end"))
        #expect(text.contains("function stream:write(...) end"))
    }

    @Test func aFunctionWithoutAnnotationsOrAnAnnotationWithoutAFunctionIsReported() {
        let table = LuaAnnotationTable(prefix: "payrun.x.", registered: ["a", "b"], entries: [
            .function("a", "---@param value any\n---@param options? table"),
            .function("c", "---@return nil"),
        ])
        #expect(table.mismatches == ["payrun.x.b is registered but not annotated", "payrun.x.c is annotated but not registered"])
        #expect(table.text.contains("function payrun.x.a(value, options) end"), "parameters come from @param, '?' dropped")
    }

    @Test func theFileIsLuaThatLoads() throws {
        let state = try LuaState()
        _ = try state.load(try LuaAnnotations.file(), chunkName: "=payrun.lua")
    }
}

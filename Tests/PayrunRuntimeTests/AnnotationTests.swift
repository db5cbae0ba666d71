// The LuaLS annotations in scripts/library are exactly what `payrun annotations` writes from the
// registration tables, every registered function has annotations, and the file is valid Lua.
import LuaKit
@testable import PayrunRuntime
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AnnotationTests {
    /// From Tests/PayrunRuntimeTests/ up to the package root, then to the annotations.
    static let annotationPath = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        .dropLast(3).joined(separator: "/") + "/scripts/library/payrun.lua"

    static func checkedIn() throws -> String {
        guard let file = fopen(annotationPath, "r") else { throw AnnotationFileMissing() }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    struct AnnotationFileMissing: Error {}

    @Test func theCheckedInFileIsWhatPayrunWrites() throws {
        let generated = try LuaAnnotations.file()
        #expect(
            try Self.checkedIn() == generated,
            "scripts/library/payrun.lua is out of date: run `swift run payrun annotations -o scripts/library/payrun.lua`")
    }

    @Test func everyRegisteredFunctionIsAnnotated() throws {
        // Each table's annotated names are its registered names, so the file lists every function.
        for table in LuaAnnotations.tables {
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

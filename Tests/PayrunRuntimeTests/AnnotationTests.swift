// The LuaLS annotations in scripts/library describe exactly what payrun registers.
@testable import PayrunRuntime
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AnnotationTests {
    /// From Tests/PayrunRuntimeTests/ up to the package root, then to the annotations.
    static let annotationPath = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        .dropLast(3).joined(separator: "/") + "/scripts/library/payrun.lua"

    /// The `function a.b.c(` names the annotation file declares.
    func annotatedFunctions(under prefix: String) throws -> Set<String> {
        guard let file = fopen(Self.annotationPath, "r") else { throw LuaAnnotationMissing() }
        defer { fclose(file) }
        var names: Set<String> = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            guard text.hasPrefix("function " + prefix) else { continue }
            let name = text.dropFirst(("function " + prefix).count).prefix { $0 != "(" }
            if !name.contains(".") && !name.contains(":") { names.insert(String(name)) }
        }
        return names
    }

    struct LuaAnnotationMissing: Error {}

    @Test func everyJSONFunctionIsAnnotatedAndNothingElse() throws {
        #expect(try annotatedFunctions(under: "payrun.json.") == Set(JSONLibrary.functions.map(\.name)))
    }

    @Test func everyDecimalFunctionAndMethodIsAnnotatedAndNothingElse() throws {
        #expect(try annotatedFunctions(under: "payrun.decimal.") == Set(DecimalLibrary.functions.map(\.name)))
        #expect(try annotatedFunctions(under: "decimal:") == Set(DecimalValue.luaMethods.map(\.name)))
    }

    @Test func everyPayrunFunctionIsAnnotatedAndNothingElse() throws {
        let credentials = CredentialLibrary.functions(store: MemoryCredentialStore(), environment: .sandbox)
        let session = ProviderSession(registry: ProviderRegistry(), environment: .sandbox, credentials: MemoryCredentialStore())
        let providers = ProviderLibrary.functions(session: session) + ParallelLibrary.functions(session: session)
        #expect(try annotatedFunctions(under: "payrun.") == Set((PayrunLibrary.functions + credentials + providers).map(\.name)))
    }

    @Test func everyProviderMethodAndWebhookFunctionIsAnnotatedAndNothingElse() throws {
        let session = ProviderSession(registry: ProviderRegistry(), environment: .sandbox, credentials: MemoryCredentialStore())
        #expect(try annotatedFunctions(under: "provider:") == Set(ProviderHandle.luaMethods.map(\.name)))
        #expect(try annotatedFunctions(under: "payrun.webhook.") == Set(ProviderLibrary.webhookFunctions(session: session).map(\.name)))
    }
}

// `payrun annotations`: writes the LuaLS library that editors read to complete payrun scripts.
import ArgumentParser
import PayrunProviders
import PayrunRuntime

import Glibc

struct AnnotationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotations",
        abstract: "Write the LuaLS annotations (---@meta) of everything payrun gives a script.",
        discussion: """
            Written from the functions payrun registers, so they match this payrun exactly. \
            scripts/library/payrun.lua is this output; point your editor's Lua language server at \
            its folder (see scripts/.luarc.json).
            """
    )

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func run() throws {
        let text: String
        do {
            text = try LuaAnnotations.file(providers: BuiltInProviders.registry)
        } catch {
            throw ValidationError("payrun's annotations do not match its functions:\n\(error.description)")
        }
        guard let output else {
            StandardStreams.shared.write(text, to: .standardOutput)
            return
        }
        guard let file = fopen(output, "w") else { throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))") }
        let written = fputs(text, file) >= 0
        guard fclose(file) == 0, written else { throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))") }
    }
}

// One report a script writes with `payrun.output(name)`: `f:write(...)` as `io.write` writes, the
// text redacted of every credential first, buffered, and handed to ReportFolder at the end.
#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import PayrunProviderKit

final class ReportFile: LuaObject {
    static let luaTypeName = "payrun.output"

    let name: String
    let temporaryPath: String
    private var descriptor: Int32
    private let redactor: Redactor
    private var buffer: [UInt8] = []
    /// The first write error; the report is then kept as .partial.
    private(set) var failure: String?

    init(name: String, temporaryPath: String, descriptor: Int32, redactor: Redactor) {
        self.name = name
        self.temporaryPath = temporaryPath
        self.descriptor = descriptor
        self.redactor = redactor
    }

    static var luaMethods: [LuaRegistration] { [
        LuaRegistration("write") { call in
            let file = try call.object(at: 1, as: ReportFile.self)
            try file.write(try OutputLibrary.writtenBytes(call))
            call.stack.pushCopy(of: call.index(of: 1))
            return 1
        },
        LuaRegistration("name") { call in
            call.stack.push(try call.object(at: 1, as: ReportFile.self).name)
            return 1
        },
    ] }

    func write(_ bytes: [UInt8]) throws(LuaError) {
        if let failure { throw LuaError(.runtime, "cannot write report \(name): \(failure)") }
        buffer += redactor.isEmpty ? bytes : redactor.redact(bytes)
        if buffer.count >= 64 << 10 { try flush() }
    }

    private func flush() throws(LuaError) {
        var offset = 0
        while offset < buffer.count, descriptor >= 0 {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                failure = String(cString: strerror(errno))
                buffer = []
                throw LuaError(.runtime, "cannot write report \(name): \(failure!)")
            }
            offset += written
        }
        buffer = []
    }

    /// Writes what is buffered to the file; a failure is kept for the next write to raise.
    func writeOut() {
        guard !buffer.isEmpty else { return }
        try? flush()
    }

    /// Writes what is buffered and closes the file, synced to disk when asked; whether all of it
    /// was written.
    func close(syncing: Bool) -> Bool {
        guard descriptor >= 0 else { return failure == nil }
        try? flush()
        if syncing && failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        Glibc.close(descriptor)
        descriptor = -1
        return failure == nil
    }
}

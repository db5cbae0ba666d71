// The folder `payrun run --out DIR` gives a script for its reports. A report is written under a
// temporary name beside its final one and renamed when the script ends: to its name when the
// script succeeded (after an fsync, so a report that exists is whole), to NAME.partial when it did
// not, so a half-written report is never taken for a finished one.
#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import PayrunProviderKit

/// The reports of one run. Lua holds it in the registry (for `payrun.output`); the runner ends it.
final class ReportFolder: LuaObject {
    static let luaTypeName = "payrun.reports"
    static var luaMethods: [LuaRegistration] { [] }
    /// Where `payrun.output` finds this run's folder.
    /// (Not the type name: the registry holds the metatable under that.)
    static let registryKey = "payrun.reports.folder"

    let path: String
    let redactor: Redactor
    /// The files opened, in order.
    private(set) var files: [ReportFile] = []

    init(path: String, redactor: Redactor) {
        self.path = path
        self.redactor = redactor
    }

    /// The report called `name`, opened (created, or truncated) the first time it is asked for.
    func file(named name: String) throws(ReportFolderError) -> ReportFile {
        if let open = files.first(where: { $0.name == name }) { return open }
        guard Self.isPlainName(name) else { throw .badName(name) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .unwritable(path, Self.reason()) }
        removeLeftovers(of: name)
        let temporary = "\(path)/.\(name).payrun-\(Self.host)-\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .unwritable("\(path)/\(name)", Self.reason()) }
        let file = ReportFile(name: name, temporaryPath: temporary, descriptor: descriptor, redactor: redactor)
        files.append(file)
        return file
    }

    /// Writes out what the script wrote so far, before a request that may move money goes: its
    /// `output` (standard output to a file or pipe is buffered) and its reports, so that a run
    /// killed after the request keeps the lines and rows written before it.
    static func writeOutBeforeAMutation(_ output: any ScriptOutput, on stack: LuaStack) {
        output.flush()
        writeOut(on: stack)
    }

    /// Writes out what the run's reports hold so far; nothing when the run has no `--out` folder.
    private static func writeOut(on stack: LuaStack) {
        defer { stack.pop() }
        guard stack.pushRegistryValue(registryKey) == .userdata, let folder = stack.object(at: -1, as: ReportFolder.self) else { return }
        for file in folder.files { file.writeOut() }
    }

    /// Removes what runs of this machine killed before they ended left of report `name`: their
    /// temporary files (`.NAME.payrun-HOST-PID.tmp`, PID no longer running), which no later run
    /// would rename. Another machine's (a folder shared over the network) are its own to judge.
    private func removeLeftovers(of name: String) {
        guard let directory = opendir(path) else { return }
        defer { closedir(directory) }
        let prefix = ".\(name).payrun-\(Self.host)-"
        while let entry = readdir(directory) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard file.hasPrefix(prefix), file.hasSuffix(".tmp"), let pid = Int32(file.dropFirst(prefix.count).dropLast(4)),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink("\(path)/\(file)")
        }
    }

    /// Renames every report to its name (`succeeded`) or to NAME.partial; the paths they now have.
    func finish(succeeded: Bool) -> [String] {
        var finished: [String] = []
        for file in files {
            let target = "\(path)/\(file.name)"
            let written = file.close(syncing: succeeded)
            let destination = succeeded && written ? target : target + ".partial"
            if rename(file.temporaryPath, destination) == 0 {
                // A .partial left by an earlier failed run of the same report is now stale.
                if destination == target { unlink(target + ".partial") }
                finished.append(destination)
            }
        }
        // The renames themselves last only once the folder is synced.
        let folder = succeeded ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
        files = []
        return finished
    }

    /// This machine's name, as a file name may hold it.
    private static let host = RunStart.currentHost.filter { $0 != "/" && $0 != "." }

    /// A file name alone: no folder, no `..`, nothing hidden, nothing a shell or a filesystem trips on.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && !name.hasPrefix(".") && !name.hasSuffix(".partial")
            && !name.utf8.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 == 0x7F }
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}

/// Why a report could not be opened.
enum ReportFolderError: Error, CustomStringConvertible {
    case badName(String)
    case unwritable(String, String)

    var description: String {
        switch self {
        case .badName(let name):
            "'\(name)' is not a plain file name: give a name such as \"matched.csv\" (no '/', no '..', not starting with '.', not ending with .partial)"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

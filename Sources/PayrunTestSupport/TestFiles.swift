// Where tests put their files and folders: one folder for the whole test process, removed when it
// exits. A test need not clean up after itself, and one that fails half-way leaves nothing in the
// temporary folder but that process's folder, if it is killed.
import Foundation

public enum TestFiles {
    /// `/tmp/payrun-tests-<pid>/`, made at first use and removed when the process exits.
    public static let root: String = {
        let root = NSTemporaryDirectory() + "payrun-tests-\(getpid())/"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestFiles.root) }
        return root
    }()

    /// A new path in ``root``: `name`, a dash and a unique suffix (nothing is made there).
    public static func path(_ name: String) -> String {
        root + name + "-" + UUID().uuidString
    }
}

// The scratch files the benchmarks write scripts into and read programs' output from.
#if canImport(Glibc)
import Glibc
#endif
import PayrunRuntime

enum BenchmarkFile {
    static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw Failure(description: "cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }

    /// The whole file, or nil if it cannot be opened.
    static func read(_ path: String) -> [UInt8]? {
        try? FileContents.read(path, limit: .max)
    }

    /// The file as text, or nil if it cannot be opened.
    static func text(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }
}

// The few POSIX calls payrun makes for its own I/O, named once for Glibc and Darwin alike.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum SystemCall {
    #if canImport(Glibc)
    static let read = Glibc.read
    static let write = Glibc.write
    #elseif canImport(Darwin)
    static let read = Darwin.read
    static let write = Darwin.write
    #endif
}

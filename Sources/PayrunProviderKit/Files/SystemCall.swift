// The few POSIX calls payrun makes for its own I/O, named once for Glibc and Darwin alike.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum SystemCall {
    #if canImport(Glibc)
    public static let read = Glibc.read
    public static let write = Glibc.write
    #elseif canImport(Darwin)
    public static let read = Darwin.read
    public static let write = Darwin.write
    #endif
}

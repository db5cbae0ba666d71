// The few POSIX calls payrun makes for its own I/O, named once: a type with a `read` or `write` of
// its own would otherwise shadow them.
import Glibc

public enum SystemCall {
    public static let read = Glibc.read
    public static let write = Glibc.write
}

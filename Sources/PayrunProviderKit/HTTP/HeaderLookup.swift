// Header lists as payrun keeps them: in order, names as sent, looked up without regard to case.
import PayrunFormats

extension Sequence where Element == (String, String) {
    /// The value of the first header called `name`, ignoring case.
    func value(named name: String) -> String? {
        first { $0.0.equalsIgnoringASCIICase(name) }?.1
    }
}

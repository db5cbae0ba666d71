// The version payrun reports, with the Lua it embeds.
import LuaKit

/// payrun's version.
public enum PayrunVersion {
    public static let current = "0.1.0"

    /// `payrun 0.1.0 (Lua 5.4.4)`, as `payrun --version` prints it.
    public static var description: String {
        "payrun \(current) (Lua \(LuaState.version))"
    }
}

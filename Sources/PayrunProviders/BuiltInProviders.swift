// The providers payrun knows without being told.
import PayrunRuntime

public enum BuiltInProviders {
    /// A registry with every built-in provider.
    public static var registry: ProviderRegistry {
        ProviderRegistry([ParticeepProvider(), TradevestProvider(), CapitalistProvider(), PeexProvider()])
    }
}

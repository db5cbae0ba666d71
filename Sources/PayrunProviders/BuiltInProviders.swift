// The providers payrun knows without being told.
import PayrunProviderKit

public enum BuiltInProviders {
    /// A registry with every built-in provider.
    public static var registry: ProviderRegistry {
        ProviderRegistry([ParticeepProvider(), TradevestProvider(), CapitalistProvider(), PeexProvider()])
    }
}

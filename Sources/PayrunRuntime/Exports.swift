// A host that runs scripts also configures providers, credentials and HTTP: the provider kit
// comes with the runtime, as HummingbirdCore comes with Hummingbird.
@_exported import PayrunProviderKit
@_exported import PayrunJournal

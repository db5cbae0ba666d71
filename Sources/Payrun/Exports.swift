// `import Payrun`: the engine with payrun's own providers and simulators, as `payrun run` runs
// scripts. The runtime (and through it the provider kit) the built-in providers and declared ones come with it.
@_exported import PayrunFormats
@_exported import PayrunDeclaredProviders
@_exported import PayrunProviders
@_exported import PayrunRuntime
@_exported import PayrunSQLite

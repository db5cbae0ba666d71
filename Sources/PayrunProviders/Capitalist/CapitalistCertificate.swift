// The account's certificate key, which signs batches: PEM text from the `certificate` credential,
// or read from the file `certificate_file` names, plain or in the encrypted form Capitalist's
// client uses (line 1 a salt, line 2 base64 of the PEM encrypted with RC4 keyed by the raw SHA-1
// of salt + login + key password). Read for each signature, used, and dropped.
import Crypto
import CryptoExtras
import FoundationEssentials
import PayrunProviderKit

enum CapitalistCertificate {
    /// The base64 RSA PKCS#1 v1.5 SHA-1 signature of `batch`'s exact UTF-8 bytes.
    static func signature(of batch: String, with credentials: ProviderCredentials) throws(ProviderError) -> String {
        let pem = try privateKeyPEM(credentials)
        do {
            let key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
            let signature = try key.signature(for: Insecure.SHA1.hash(data: Array(batch.utf8)), padding: .insecurePKCS1v1_5)
            return signature.rawRepresentation.base64EncodedString()
        } catch {
            throw ProviderError(provider: "capitalist", message: "the certificate key cannot sign (\(error)); check capitalist.certificate or capitalist.certificate_file")
        }
    }

    private static func privateKeyPEM(_ credentials: ProviderCredentials) throws(ProviderError) -> String {
        if let pem = try? credentials.text("certificate") { return pem }
        guard let path = try? credentials.text("certificate_file") else {
            throw ProviderError(
                provider: "capitalist",
                message: "signing a batch needs the account's certificate key: set capitalist.certificate_file (a PEM file) "
                    + "with `payrun credentials set capitalist.certificate_file`")
        }
        guard let bytes = try? FileContents.read(path, limit: 1 << 20) else {
            throw ProviderError(provider: "capitalist", message: "cannot read the certificate file named by capitalist.certificate_file")
        }
        let contents = String(decoding: bytes, as: UTF8.self)
        if contents.contains("-----BEGIN") { return contents }
        let lines = contents.split(whereSeparator: \.isNewline).map(String.init)
        guard lines.count >= 2, let encrypted = Data(base64Encoded: lines[1]) else {
            throw ProviderError(provider: "capitalist", message: "the certificate file is neither PEM nor Capitalist's encrypted form (salt, then base64)")
        }
        let login = try credentials.text("login")
        let password = (try? credentials.text("certificate_password")) ?? ""
        let key = Array(Insecure.SHA1.hash(data: Array((lines[0] + login + password).utf8)))
        var rc4 = RC4(key: key)
        let pem = String(decoding: rc4.apply(Array(encrypted)), as: UTF8.self)
        guard pem.contains("-----BEGIN") else {
            throw ProviderError(provider: "capitalist", message: "the certificate file does not decrypt to a key: check capitalist.certificate_password")
        }
        return pem
    }
}

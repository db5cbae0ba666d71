// The certificate key of the sandbox's Capitalist account: the simulator checks batch signatures
// against it and payrun signs sandbox batches with it. Public, the same for everyone, never real;
// both sides read it from here so they cannot disagree.

public enum SandboxCertificates {
    /// An RSA key (1,024 bits, the size Capitalist's own examples use), PKCS#1 PEM.
    public static let capitalistPrivateKeyPEM = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXAIBAAKBgQDs6wK1esXnKB/4jQ+N8zNKMSvIg+ly7ccJ4UZe6MuBi3DvF5Gt
        FiyAfBdRth0GbjNxyoR2QUVKoSZa9nexIR14dR6m+dsSXLauvGks1YPqESpTGWV0
        lV9wKcjZ0FvjcDix/HkXsd8gD43xnOZlji8THJlXLzsjZaAzqZKJxi1e4wIDAQAB
        AoGAbFTdrTwRaCx5yf4+YYsWJdOsEIj44zuEqqjes6FBBOBM6JbfXsTn3mxfgVaD
        mSAk1+Bhh207EO/1CNzwSAc7YKr5G+8fIzuR7iGUFRRhrk1/yxhiJBa8wo59fc1l
        Mq1YnEZMMHZO/GyTreljr3kCSzK24eQ/gIiiqz+sY6IqYRECQQD40tyzAV0Igs5Z
        qDXSXRw7EKpFsgX6rHuCyJLix1ItvOj8hvQ8y1WbzT+UVWdT+qlQFyIChGgqIjVa
        UGkV70zZAkEA88A+1PDoR772l67FlIIYKBNQ0Xgf12NM/Zb8Q/tEe0XtLdVcL3NC
        FGo69Kx+SRaSXkOVljjA67FacKV6HhfkGwJAZxSD1ayE7Be0gLQMx/9GyLlYsNLV
        Y0m9SSrqnwRP6R7Prn4CBIWAC7F122+eBM5dAg7zSfOsa3gMfkO9pRaj0QJADWHK
        kUpAll/HjgBMXKDfzqNw1m8v4FVVTr7RTrImylXGdbO3Aevj/tbuMayeqkiQ9Jfl
        SIAJJ2dvPav4DlrlbQJBAIC0Q1d6DtoxWpVXJEU4/gp+igBv7oWaCHEkekJqeldR
        R3VbEipxaIrRfjDWFwboL3B6bDZZJ0+o85SOfiOAjAU=
        -----END RSA PRIVATE KEY-----
        """
}

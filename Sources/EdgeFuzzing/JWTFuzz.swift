import EdgeCrypto
import EdgePolicy
import MCPWire

/// The JWT and JWKS parsers and the bearer header on arbitrary bytes: what a client puts in
/// `Authorization`, and what an issuer's key set could hold. The first byte picks the part:
/// 0 a JWKS document, 1 a token verified against a fixed key set, 2 an `Authorization` value,
/// 3 a known-good token with bytes changed where the input says. The oracle: nothing traps,
/// every key a set keeps checks some algorithm, a bearer token is a token68 suffix of its
/// value, and no token verifies except the known-good ones (a fuzzer cannot sign).
enum JWTFuzz {
    /// The clock of every check: the good tokens were issued at 1700000000 for an hour.
    static let now = 1_700_000_100
    static let jwks = #"{"keys": [{"kty": "RSA", "kid": "rsa1", "use": "sig", "n": "toYmVGj0LvRoqPILNes4rBtysqcd5J8y7SoYwoz8zpTnHaQBSirYld0g76ABJmryOQRBzmMobdJ7q7NXM72xXGU0UnZO2f2mt6ahD-9UfYTY3Cn-YaZ5JE0ivdiGE0SKCxiNNpvL7Oahk4tGQR4cJbW_33TNWPOBsBaM_POZeXCwrMNO58jkxcH25mN53Q7PlC4pwOBBsUSuv6vDV77WVuKYmkrEAHyh39sObIbVREs0mPuM_gYmEiYrDelmV_CARsUKbJhYD0I5mc6FCToDQMb2Rm0TKGUqOvMXTItkTe0vqJbhwKPJTx1pXU5wM1py1tefmCyxBEHUsk37IQg-7w", "e": "AQAB"}, {"kty": "EC", "kid": "ec1", "crv": "P-256", "x": "O9dofsqYrHqWPEpbaBVG3KcnA2eCvt-hNUE4oXE98qU", "y": "vvaUyAC3BqVxJDb2sFmHuRMLlCU9CMfEAAIp5qWUVVM"}, {"kty": "OKP", "kid": "ed1", "crv": "Ed25519", "x": "obSsYIzx94gU9OGI0RXwhAILpMv7hrmnvVXJTKoYW1Y"}, {"kty": "oct", "kid": "sym", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}"#
    static let rs256 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.Sooe9ePwNs94k8ogUFPo96gYjNWP5HSEDFIrT63VS6hGERuLrww0Xy6CmUyUsT2xmgkrPwqKRZonKAcNFDVvUdOZ5TAE66gL6K1qkDffxL0q4r9-CrrngsTDB7hUeEAOrsa5jgDmznELgmIvChq1op4He3rpl4m4PeuBVoS8N4A0U6OGzSA-rskHelAFzGtt4DMF2jKRk_qdWgdkxndlh1Ajvddvf1mRMDLsPFEyLbXIZXGtYgaSatuFNqRA2u-HH49fIqAurYFtnbHhHtwfxWY5TwPqpgWs_mA36LFEWWzvPXuvSbe4txJKvlfFcNksScpw-H92tuVoFwAMuEpsdQ"
    static let ps256 = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.PixWpbLmUEGEb4FaYDuROZqsMAqYD4f1U7NUr-iwMyIIbQyHFyLpDG1_G0Tl8WrsO8oFyVyIwAJUW0S3OW7tsbORl6IvLlibFeeBzCzUN68xMBYZO2Lkg5QzxDXpz2_ZJc16sY5TEoIv0CFRsc0vsgLzM7SdBnj43se4kBdn0mTRGmr08v6og_aGKb8x05tEkZEmoKQRxv_5B-u4QQpG4LQxhwlOXl7jqCPotIC6M5_09GL24_1ahtKLtaabtx-WsGwi1M5zzWBu7VdTmnJuYY45wlehPXNtOkZNB1g4Wg_Iqor2YHEJUAqm0CyuUgrYmb2atqMeZZLZd3sP5Tda2A"
    static let es256 = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImVjMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.3oOxNL0T52WhTKjSIF5Ri6E_GgP0IqNlXPtX4eUpe0aHGrSeZvuVCVG_6BmUqw8dGcLDAA5QKUakRQrBUtGqpw"
    static let eddsa = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImVkMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.1ekP7fZzerc1Byec2C04mQhkWo0J8qvUbTfQadLYKCI9hpcLY2GcFX6lnStCmCOoxmJRXw85lVIZ_cJZbB24BQ"
    /// `aud` as an array holding the audience: valid too.
    static let audArray = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6WyJ4IiwiaHR0cHM6Ly9tY3AuZXhhbXBsZS5jb20vbWNwIl0sInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.KQ_dtbRbCA5gjvGz5PeJlPt5IAQlwCY9vKsOOhr0NBh0UEBTFZuJ7Zvl9bLIABlqDgyOxxxM6NNho0Nm8WWXsYfxTZxRw62hEAqnqY0vR-4erruiV53LvFFH6vb_8__hwEpzEB4CDzuYBcyg7NlEoEN0VFzDwAIfYkdAS6Jui01TJRDkhnfNFoUbMVfeV-MBdi9a9C2y0Gj58qn3kUx-hRKoroc2_M3bZhgChgswMDJ2jmtuU6XYvc8mYzYgkXTJmBAsJPqv4AUbOwugzCX18TLyMCyjRanIkZ3Zv5WWtAb4Ij4TWtyctnUE74V4MME0BjCpNLuY6xkFRXXIgPz6SQ"
    static let keys: JSONWebKeySet = {
        guard case .success(let set) = JSONWebKeySet.parse(Array(jwks.utf8)[...]) else { fatalError("the harness's JWKS") }
        return set
    }()
    static let verifier = JWTVerifier(settings: JWTSettings(issuer: "https://idp.example.com",
                                                            audiences: ["https://mcp.example.com/mcp"]))
    static let good: [[UInt8]] = [rs256, ps256, es256, eddsa, audArray].map { Array($0.utf8) }

    static func run(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let input = data.dropFirst()
        switch mode % 4 {
        case 0: parseKeySet(input)
        case 1: verify(input)
        case 2: bearer(input)
        default: tamper(input)
        }
    }

    static func parseKeySet(_ input: ArraySlice<UInt8>) {
        guard case .success(let set) = JSONWebKeySet.parse(input) else { return }
        for key in set.keys {
            expect(SignatureAlgorithm.allCases.contains(where: key.accepts), "a kept key checks no algorithm")
        }
        // Whatever the set holds, no good token of the harness's issuer verifies against it unless
        // the same public key is in it; verifying must simply not trap.
        for token in good { _ = verifier.verify(token[...], keys: set, now: now) }
    }

    static func verify(_ input: ArraySlice<UInt8>) {
        let result = verifier.verify(input, keys: keys, now: now)
        if case .success = result {
            expect(good.contains { $0[...] == input }, "a token nobody signed verified: \(String(decoding: input, as: UTF8.self))")
        }
    }

    static func bearer(_ input: ArraySlice<UInt8>) {
        guard let token = BearerCredential.token(in: input) else { return }
        expect(!token.isEmpty && token.endIndex == input.endIndex, "the token is not a suffix of the value")
        expect(token.allSatisfy { $0 == 0x3D || BearerCredential.isToken68Character($0) }, "a token with a byte outside token68")
    }

    /// A good token with the input's edits (position, byte pairs): it must verify only when
    /// the edits left it as it was.
    static func tamper(_ input: ArraySlice<UInt8>) {
        guard let selector = input.first else { return }
        var token = good[Int(selector) % good.count]
        let original = token
        var edits = input.dropFirst()
        while edits.count >= 2 {
            let position = Int(edits[edits.startIndex]) * 7 % token.count
            token[position] = edits[edits.startIndex + 1]
            edits = edits.dropFirst(2)
        }
        if case .success = verifier.verify(token[...], keys: keys, now: now) {
            expect(token == original, "a changed token verified: \(String(decoding: token, as: UTF8.self))")
        }
    }
}

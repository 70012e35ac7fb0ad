@testable import EdgeCrypto
import XCTest

/// Signature checks against signatures made by another implementation (Python's
/// `cryptography`, keys generated once for this file): each algorithm accepts its own
/// signature and refuses a changed message, a changed signature, another key type
/// (algorithm confusion) and malformed keys.
final class VerifyingKeyTests: XCTestCase {
    static let message = Array("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9".utf8)
    static let rsa_n = "e4db8d2bd9a940577592d62a58ac6212aa84f394c4270823783811d3a8477828bc0f028fb5ca12ba5f98e18aac34473a220f84762063c6b7ff32094fde1aa0c7ea4f5901a6371600950cbbad11854dd4521b0f0079e1df2173938bcc69cb96f6155ef0ad34800bda31cd1768630586c568cf1a99e02c0c5e5a7df6366d1be11dcd15ee2ae70392a79bb0d28b64435caf09b8ca9d57d58c99eb432a668d989a401c0023493625b5294de09ba9ca1af1f22ea90d9ec8158eefb30f08ee3a8a482a7d2358025b2abb3d87ae308cf94868ad4c6645604c87798c3781469d9770d6b9f7f0170153011e6491d54a0e8f6df2d288bc5ca26412153eca5416d94c6fc0d1"
    static let rsa_e = "010001"
    static let rs256 = "b3555f9a2d8713f6c22c2b6a0297649a5cfed53f8f3f7f7cafbfaf890bdf77ff53675874f34c4acac9fd5705239c47e513b55e3d14027314cfb37c95de28ba2eaa4b28703be7d64350eab53e2ba067d9e087dc867d88729344a603b11a3a036964babdcdb0f6340564a32fd2d7f8b72ea8b59575b74262a10711ca116cdbca203b2b2ef60b82c3f9542f1e7a3db80534373973971bbdeb11ff31037ae05015c37e614352184d10904ab53c516416eddaabdfd58773919d1435e8c9eceeb80546205a5fbe80cb4988c2794b15319f03c0db5c5ca5749c53476764d6fc80101c44726206f28896f5ede080c87e858671ea2f48f55219ea82f0b0f0dfea60b45e85"
    static let ps256 = "a1979ff7793d2e9a47a59b3ff160b203e8df91a8aad7a20bffb1b9843b6776a3d8b8f04129ad88194d80970312bab3153323fc61da4e753a2221a28486e79353c9bf891b58c956faee14cecdbc078458749414e4b4934242d1e5edd1a769a9468e620c8cbd976553a09e2c59d2409c12215207cc176f7b0f4c0af9300fb66d5acac2df79d115c4104fb3d8b4ee58296a10013bbdabe21713cf74c8083e8baeb5d25b2282ccac03fcfc3b588fab7eb996ab7b88dd03e25dd872f253eaaed2f895789de264252c828b1b84ec5d233158cdfb790cd18bccf2e159abe679eadf5962c0621f18006a696941dd70a505babe62d7dc6de1b9b15516b76a2d4f3f3ad383"
    static let ec_x = "efc2cb10a02d9c5b4362e0dfd88033fcb8cfd755501763e728ae8ea79b47489c"
    static let ec_y = "dafefddb2333cce294320b865d83fac45edea621219415d94744cf603a9027a6"
    static let es256 = "f4de3a9c4061811d6d980b350b9fcfbb9c28d9be2918c013429d31689a58ebf901dc667a36d99e6b0e5206c8299063c8d800dc57de9cbd0f97b449146739b7b8"
    static let ed_x = "af2e11e6f7c406cb8dc7758ef127311b915967338fb26bf6423123eedc5f1458"
    static let eddsa = "a10cf3db38e24081fea5dd17a2d0128f5f06f5956aa0273bef9331da64a6fbcfa05664255e8bdab12e0333753790d1f2ffbd561a07d7726195ecd894323fbb0d"

    var rsa: VerifyingKey { VerifyingKey.rsa(modulus: hex(Self.rsa_n), exponent: hex(Self.rsa_e))! }
    var p256: VerifyingKey { VerifyingKey.ec(curve: .p256, x: hex(Self.ec_x), y: hex(Self.ec_y))! }
    var ed: VerifyingKey { VerifyingKey.ed25519(hex(Self.ed_x))! }

    func testEachAlgorithmAcceptsItsSignature() {
        XCTAssertEqual(rsa.kind, .rsa(bits: 2048))
        XCTAssertTrue(rsa.verify(hex(Self.rs256)[...], of: Self.message[...], algorithm: .rs256))
        XCTAssertTrue(rsa.verify(hex(Self.ps256)[...], of: Self.message[...], algorithm: .ps256))
        XCTAssertTrue(p256.verify(hex(Self.es256)[...], of: Self.message[...], algorithm: .es256))
        XCTAssertTrue(ed.verify(hex(Self.eddsa)[...], of: Self.message[...], algorithm: .edDSA))
    }

    func testChangedMessageOrSignatureIsRefused() {
        var other = Self.message
        other[other.count - 1] ^= 1
        let cases: [(VerifyingKey, String, SignatureAlgorithm)] = [
            (rsa, Self.rs256, .rs256), (rsa, Self.ps256, .ps256), (p256, Self.es256, .es256), (ed, Self.eddsa, .edDSA),
        ]
        for (key, signature, algorithm) in cases {
            XCTAssertFalse(key.verify(hex(signature)[...], of: other[...], algorithm: algorithm), "\(algorithm)")
            var bad = hex(signature)
            bad[bad.count / 2] ^= 0x10
            XCTAssertFalse(key.verify(bad[...], of: Self.message[...], algorithm: algorithm), "\(algorithm)")
            XCTAssertFalse(key.verify(bad.dropLast()[...], of: Self.message[...], algorithm: algorithm), "\(algorithm) short")
            XCTAssertFalse(key.verify([][...], of: Self.message[...], algorithm: algorithm), "\(algorithm) empty")
        }
        // PKCS#1 v1.5 and PSS signatures are not interchangeable.
        XCTAssertFalse(rsa.verify(hex(Self.rs256)[...], of: Self.message[...], algorithm: .ps256))
        XCTAssertFalse(rsa.verify(hex(Self.ps256)[...], of: Self.message[...], algorithm: .rs256))
    }

    func testAKeyChecksOnlyItsOwnAlgorithms() {
        for algorithm in SignatureAlgorithm.allCases {
            XCTAssertEqual(rsa.accepts(algorithm), algorithm == .rs256 || algorithm == .ps256)
            XCTAssertEqual(p256.accepts(algorithm), algorithm == .es256)
            XCTAssertEqual(ed.accepts(algorithm), algorithm == .edDSA)
        }
        XCTAssertFalse(p256.verify(hex(Self.es256)[...], of: Self.message[...], algorithm: .es384))
        XCTAssertFalse(ed.verify(hex(Self.eddsa)[...], of: Self.message[...], algorithm: .es256))
    }

    func testMalformedKeysAreRefused() {
        var y = hex(Self.ec_y)
        y[31] ^= 1 // no longer on the curve
        XCTAssertNil(VerifyingKey.ec(curve: .p256, x: hex(Self.ec_x), y: y))
        XCTAssertNil(VerifyingKey.ec(curve: .p256, x: hex(Self.ec_x), y: Array(y.prefix(31))))
        XCTAssertNil(VerifyingKey.ec(curve: .p384, x: hex(Self.ec_x), y: hex(Self.ec_y)))
        XCTAssertNil(VerifyingKey.ed25519(Array(hex(Self.ed_x).prefix(31))))
        XCTAssertNil(VerifyingKey.rsa(modulus: [], exponent: [1, 0, 1]))
    }
}

@testable import EdgePolicy
import EdgeCrypto
import MCPWire
import XCTest

/// JWT verification against tokens signed by another implementation (Python's
/// `cryptography`, once, for this file): every accepted algorithm, and every way a token must
/// be refused. The clock is fixed: the tokens were issued at 1700000000 for an hour.
final class JWTVerifierTests: XCTestCase {
    static let jwks = #"{"keys": [{"kty": "RSA", "kid": "rsa1", "use": "sig", "n": "toYmVGj0LvRoqPILNes4rBtysqcd5J8y7SoYwoz8zpTnHaQBSirYld0g76ABJmryOQRBzmMobdJ7q7NXM72xXGU0UnZO2f2mt6ahD-9UfYTY3Cn-YaZ5JE0ivdiGE0SKCxiNNpvL7Oahk4tGQR4cJbW_33TNWPOBsBaM_POZeXCwrMNO58jkxcH25mN53Q7PlC4pwOBBsUSuv6vDV77WVuKYmkrEAHyh39sObIbVREs0mPuM_gYmEiYrDelmV_CARsUKbJhYD0I5mc6FCToDQMb2Rm0TKGUqOvMXTItkTe0vqJbhwKPJTx1pXU5wM1py1tefmCyxBEHUsk37IQg-7w", "e": "AQAB"}, {"kty": "EC", "kid": "ec1", "crv": "P-256", "x": "O9dofsqYrHqWPEpbaBVG3KcnA2eCvt-hNUE4oXE98qU", "y": "vvaUyAC3BqVxJDb2sFmHuRMLlCU9CMfEAAIp5qWUVVM"}, {"kty": "OKP", "kid": "ed1", "crv": "Ed25519", "x": "obSsYIzx94gU9OGI0RXwhAILpMv7hrmnvVXJTKoYW1Y"}, {"kty": "oct", "kid": "sym", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}"#
    static let rs256 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.Sooe9ePwNs94k8ogUFPo96gYjNWP5HSEDFIrT63VS6hGERuLrww0Xy6CmUyUsT2xmgkrPwqKRZonKAcNFDVvUdOZ5TAE66gL6K1qkDffxL0q4r9-CrrngsTDB7hUeEAOrsa5jgDmznELgmIvChq1op4He3rpl4m4PeuBVoS8N4A0U6OGzSA-rskHelAFzGtt4DMF2jKRk_qdWgdkxndlh1Ajvddvf1mRMDLsPFEyLbXIZXGtYgaSatuFNqRA2u-HH49fIqAurYFtnbHhHtwfxWY5TwPqpgWs_mA36LFEWWzvPXuvSbe4txJKvlfFcNksScpw-H92tuVoFwAMuEpsdQ"
    static let ps256 = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.PixWpbLmUEGEb4FaYDuROZqsMAqYD4f1U7NUr-iwMyIIbQyHFyLpDG1_G0Tl8WrsO8oFyVyIwAJUW0S3OW7tsbORl6IvLlibFeeBzCzUN68xMBYZO2Lkg5QzxDXpz2_ZJc16sY5TEoIv0CFRsc0vsgLzM7SdBnj43se4kBdn0mTRGmr08v6og_aGKb8x05tEkZEmoKQRxv_5B-u4QQpG4LQxhwlOXl7jqCPotIC6M5_09GL24_1ahtKLtaabtx-WsGwi1M5zzWBu7VdTmnJuYY45wlehPXNtOkZNB1g4Wg_Iqor2YHEJUAqm0CyuUgrYmb2atqMeZZLZd3sP5Tda2A"
    static let es256 = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImVjMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.3oOxNL0T52WhTKjSIF5Ri6E_GgP0IqNlXPtX4eUpe0aHGrSeZvuVCVG_6BmUqw8dGcLDAA5QKUakRQrBUtGqpw"
    static let eddsa = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImVkMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.1ekP7fZzerc1Byec2C04mQhkWo0J8qvUbTfQadLYKCI9hpcLY2GcFX6lnStCmCOoxmJRXw85lVIZ_cJZbB24BQ"
    static let noKid = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.hC_Tg1iN_nwFJ4cE-amOEpfiP3lVQfTRunShZI1B5Y6JlxNWu7ei6eeq_a8arrbXBdzCvF2-Ofm6VpWvWD5PUQ"
    static let expired = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTY5OTk5MDAwMH0.ebSd0ZN-uT0jIiIS8LZanwp2IKflBsV_WaemKQZ_kbIL0yWLXw4pI22sFWuh0gbX_j0CTrUw0sbxTaxMvzt4gwhVJhl9YwnT1VsLlvx5YnpkfHajgYLAITFcdxhPbgGRWjM0vV4NiVNKoqgJCfefz7dfXuTrEPmvNUxTL6ZU8_wqg5cfvhPH681Ia_0Fwoe71Z0BPAezwmpzWaFPFGR3y56O0PNFsmjsCUCwZsew595Z2IXpaOCAAOSmO1IHvDFEyAvpftZpg4yle8Hk6MAI6okdNdc6zjuMpnNTHPLfmhj_h6vtWE79clWYM6OCiNxnO0g5RfxOpf-ucf01wLY5EQ"
    static let notYet = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMCwibmJmIjoxNzAwMDA5MDAwfQ.ZsdcpN7_SZqhC9QR1mVMHayyHo1RctuaNFixu9u3aZ4h9yJ-Tk7sfH0qK9THhVgdAjcNW9g7m-C1U-ctTFskiCfadLgPtg0lttwQ9EaFaZsLuSIPvxUIM_FKM8gWrlgc2m1sQlkYnc0StSCnkh79oiSUYTJ7d46tlb3VlUxNNfH2yyMSnu0Sh6ZjUT4zsTvUYLjL6ScwZRq7-cBPKJBi2n7_Oz0v_i_sUZEuUY5Nx_r0jOqLkqrVZZIjxs_hQvJZSdKKMeebFQanAT88EQYACJv11LolmNQUgHnlcIXcifMe2fcgwjnmI4BJAQZqGXXAnHFpojqcbpfVDRr5bQq8Dw"
    static let wrongAud = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vb3RoZXIuZXhhbXBsZS5jb20iLCJzdWIiOiJhbGljZSIsInRlbmFudCI6ImFjbWUiLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sInNjb3BlIjoibWNwOnRvb2xzIG1jcDpyZWFkIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9.gwSODTUI8L25TaJ4lGNHy0ppERJBRMGL_kv5A7LASvX_OhPIBSqoPNQnecqf7jY-pcpZUirBedtezMBQmCg1gCvjPFFQ88tp-6Yt6SiVN1qJgVKtoXfBI9LCt__-JdxV2O0XcwKDGlR81A5OzzC8ZoYLvb3VWmgXPvfQgOCbPuyGmkq-JcHMblaarxEOWrwMHr24A0Keppat3rCSa-vtGxD5g3_0FT27iGCu3B0jRiFgQit0edTfqCglM6lImiUFI4PXTpO79xyhnhPzR5Yby0EFDDoyHf-mIfwB_qYQDV9MuoR_yVPS07k_YxzlLKD3tDPJOX3N14OdnlG9qcT7Bg"
    static let audArray = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6WyJ4IiwiaHR0cHM6Ly9tY3AuZXhhbXBsZS5jb20vbWNwIl0sInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.KQ_dtbRbCA5gjvGz5PeJlPt5IAQlwCY9vKsOOhr0NBh0UEBTFZuJ7Zvl9bLIABlqDgyOxxxM6NNho0Nm8WWXsYfxTZxRw62hEAqnqY0vR-4erruiV53LvFFH6vb_8__hwEpzEB4CDzuYBcyg7NlEoEN0VFzDwAIfYkdAS6Jui01TJRDkhnfNFoUbMVfeV-MBdi9a9C2y0Gj58qn3kUx-hRKoroc2_M3bZhgChgswMDJ2jmtuU6XYvc8mYzYgkXTJmBAsJPqv4AUbOwugzCX18TLyMCyjRanIkZ3Zv5WWtAb4Ij4TWtyctnUE74V4MME0BjCpNLuY6xkFRXXIgPz6SQ"
    static let wrongIss = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZS5jb20iLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlLmNvbS9tY3AiLCJzdWIiOiJhbGljZSIsInRlbmFudCI6ImFjbWUiLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sInNjb3BlIjoibWNwOnRvb2xzIG1jcDpyZWFkIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9.mNIvvOw7Z4LY6MM1COvK5diNmM3bS-WRGyIcBAp3FTbZM2wWzY2bSwdeGYiPjevq7mP7qVmN0G1_ySJJFtLwld6ouU_MJ7sMwDr1vvFTAp6itk56YfbVqUuRub6ILJXnbADOUZ3unqqWw6nuORdxNP2nJ6Xz2nl-rlCCIZtrlKXFxOFoBXDP9JQuu-m8WDX0baSDeZh-UocCFMZPcJLHCNMH5rapd3KsT2EsRFF-NgtjZUIWmbWa8IhTEabBJ9NPMcKA4QIKO8mJQaatMFePqieQddeUIyGVAzs33KHWI6RJh8w4wuPtiTaJVUDwMeT7Hz78Xv_rY14-xO1cBYoFQQ"
    static let noExp = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDB9.mbK9lpgGmjHZy3csbDws1JTDXa2p0Ods0TIHKMRRsmQUWC5-qo-l5CeaC8xr4lbdis1TFpNxAi7d9OV2vqRNXNcviandwT51jN5XXRUZmKF1kvwFpZbw76F-rhgwSfuhKmD4_lWo_MR2KjjiJ3ubPrECt9ebrxDLDBbvUskohKPmujr4UAGl2DJISuRB370xem5Jl_PTjFWYsP2gQbYm1-vMkh79tcPhPlUTsOqYW8GJYoyJpESGufd-wCd1r6TX0P6DdI9Zze20-ibUgnoCEULuPO7Fm0jscNy0vZx6OR-8VWzZofM8ev62QBo5fkiTNINYWU7S7cL1pBkEFg9zfA"
    static let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIiwia2lkIjoicnNhMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0."
    static let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.7604jj4RW6djGNVpbnXPSGgPu4IVk4RDgzds_v-_Y0g"
    static let unknownKid = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTkifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.aIJOWwxHronncOQFc0qzlipKy5WmyAqd2WfGFRPqoEnE4XMumfvTwB73sVOlMyv3lFtOzqB6g4rPvtbFJqTQsLAN6o0gaxFmN0J5Pcxs_JTYGR7uGOFoMD5sNCtt4-i7f2v8O4NJMyfby0OowRdF5UKVmlB79sF-kr2Rmoh7aYc1caRSlaTyOBhb_epCpYTVqk3JpWAa8K7QIalD9Cx9vEmi44hE3z5P9BwpM05gFz_lDo0Xr_LnB4FkUhbEMxpGZRezKnvkWQHK6R20w2-f6gyYUmp2Dp3sXeYuMWChow_TvrvTrIxH_wnUEpEwqejH94Pnn9yXxJgvchqaho5toA"
    static let esAsRsaKid = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.PnhoXYDeyFGOcqtzMLUqv1Sv0pKBG2No4q0jonPU--IroNSkTQp412Y0nBqdV4X6l3ny2eooXfjJuZenqgzkPQ"
    static let crit = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEiLCJjcml0IjpbImV4cCJdfQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.kbIzVhgcHv-T_FyEMRwcjfJpGanMISPcE2m8REOVpZPio18gF3VXGVZlTgtrbxsyefhS50SgLJBps1Lf5fjrDqox_tOxy_Q0es-GENwDGhEclJpSLIaDWqz8v_wBMRkF2uCElZy1ucnZLtZ4FJ1HhCVVM1MSMmc5PfzpEXwFI_4xweSxteT78TINwzoNvMvUDFaLRxPJQYE018oUqSYyk4_TtJ9VFKJxFTiiYsTFVS8xgk_xZFc8_gIBqAnRI9OpRZ3pl1WxS6noMEpLszqHQiCF0bCIFdq_nrWzYOQ1KLFEpluHA2k2TD3e1pbYZSPFOM_qQkKMkoyE2jTIKki7BA"
    static let scp = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDAsInNjcCI6WyJhIiwiYiJdfQ.IpiTZ5DVwxIN7S_GeY9r_QJ-pnTwcHh7K3OktY7MzbLS_66W0pTXY95gC6NYGs6nwZ9ELD8ZlXS_GFDLLcY8QL1Uqe8nDqw26rdnQrhp1cIKoTvQZXfGSmFr9COJYBsqvcNsC2Smg-szeLpLIPoSNuxRSrBaQhJAG0le-gzw4wlntv6kbWKP8h7OrBrnLLPmdy55t1fLC1Xxl6D-wwxl4E3VHwxF0HQh_ggfKFb2FhbWUUmdOL88T8yygUJ1p4OTCZ0kMzsGAW3GKmH3mdQzxFPErjd86wR9jxmeN2TYmgqTcCHTWKVh8QfmjPhax-6hIPhsAC3hHlaiH254m604QA"

    static let now = 1_700_000_100
    let settings = JWTSettings(issuer: "https://idp.example.com", audiences: ["https://mcp.example.com/mcp"])

    var keys: JSONWebKeySet {
        guard case .success(let set) = JSONWebKeySet.parse(Array(Self.jwks.utf8)[...]) else { fatalError("jwks") }
        return set
    }

    func verify(_ token: String, now: Int = now, settings: JWTSettings? = nil) -> Result<VerifiedToken, AuthFailure> {
        JWTVerifier(settings: settings ?? self.settings).verify(Array(token.utf8)[...], keys: keys, now: now)
    }

    func reason(_ token: String, now: Int = now) -> String? {
        if case .failure(.invalidToken(let text)) = verify(token, now: now) { return text }
        return nil
    }

    func testTheKeySetKeepsSigningKeysAndSkipsTheSymmetricOne() {
        XCTAssertEqual(keys.keys.map(\.id), ["rsa1", "ec1", "ed1"])
        XCTAssertEqual(keys.skipped.count, 1)
        XCTAssertTrue(keys.skipped[0].contains("symmetric"))
    }

    func testEveryAlgorithmVerifiesAndMapsTheClaims() throws {
        for token in [Self.rs256, Self.ps256, Self.es256, Self.eddsa, Self.noKid, Self.audArray] {
            let verified = try verify(token).get()
            XCTAssertEqual(verified.identity.subject, "alice")
            XCTAssertEqual(verified.identity.tenant, "acme")
            XCTAssertEqual(verified.identity.groups, ["dev", "ops"])
            XCTAssertEqual(verified.identity.scopes, ["mcp:tools", "mcp:read"])
            XCTAssertEqual(verified.expires, 1_700_003_600 + 60)
        }
        XCTAssertEqual(try verify(Self.scp).get().identity.scopes, ["a", "b"])
    }

    func testRefusals() {
        XCTAssertEqual(reason(Self.expired), "token expired")
        XCTAssertEqual(reason(Self.rs256, now: 1_700_003_600 + 61), "token expired")
        XCTAssertNotNil(try? verify(Self.rs256, now: 1_700_003_600 + 59).get(), "inside the leeway")
        XCTAssertEqual(reason(Self.notYet), "token not valid yet")
        XCTAssertEqual(reason(Self.wrongAud), "wrong audience")
        XCTAssertEqual(reason(Self.wrongIss), "wrong issuer")
        XCTAssertEqual(reason(Self.noExp), "no expiry (\"exp\")")
        XCTAssertEqual(reason(Self.none), "algorithm none is not accepted")
        XCTAssertEqual(reason(Self.hs256), "algorithm HS256 is not accepted")
        XCTAssertEqual(reason(Self.unknownKid), "unknown key id")
        XCTAssertEqual(reason(Self.esAsRsaKid), "unknown key id", "an ES256 token naming an RSA key finds no key")
        XCTAssertEqual(reason(Self.crit), "unsupported critical header parameters")
    }

    func testATamperedTokenIsRefused() {
        // Another subject in the payload, the signature kept.
        let parts = Self.rs256.split(separator: ".").map(String.init)
        var claims = Base64URL.decode(Array(parts[1].utf8)[...])!
        let text = String(decoding: claims, as: UTF8.self).replacingAll("alice", with: "mallo")
        claims = Array(text.utf8)
        let forged = parts[0] + "." + String(decoding: Base64URL.encode(claims[...]), as: UTF8.self) + "." + parts[2]
        XCTAssertEqual(reason(forged), "bad signature")
        XCTAssertEqual(reason(parts[0] + "." + parts[1] + "."), "bad signature")
        XCTAssertEqual(reason("a.b"), "not a compact JWS")
        XCTAssertEqual(reason(parts[0] + "=." + parts[1] + "." + parts[2]), "not a compact JWS")
    }

    func testOversizedTokensAreRefusedBeforeParsing() {
        var small = settings
        small.maxTokenBytes = 100
        guard case .failure(.invalidToken(let text)) = verify(Self.rs256, settings: small) else { return XCTFail() }
        XCTAssertEqual(text, "token longer than 100 bytes")
    }

    func testAlgorithmsCanBeRestricted() {
        var onlyES = settings
        onlyES.algorithms = [.es256]
        XCTAssertNotNil(try? verify(Self.es256, settings: onlyES).get())
        guard case .failure(.invalidToken(let text)) = verify(Self.rs256, settings: onlyES) else { return XCTFail() }
        XCTAssertEqual(text, "algorithm RS256 is not accepted")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

// Function-like or composite macros Swift does not import, as constants.
static const int cedge_EVP_PKEY_PUBLIC_KEY = EVP_PKEY_PUBLIC_KEY;
static const int cedge_RSA_PKCS1_PSS_PADDING = RSA_PKCS1_PSS_PADDING;
static const int cedge_RSA_PSS_SALTLEN_DIGEST = RSA_PSS_SALTLEN_DIGEST;

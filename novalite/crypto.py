"""Key material for os-keypairs (Nova's nova/crypto.py): fingerprints of
imported keys and server-side generation (before microversion 2.92)."""
import base64
import binascii
import datetime
import hashlib

from cryptography import exceptions as crypto_exc
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from novalite import exception


def _colon_hex(digest):
    return ':'.join('%02x' % b for b in digest)


def generate_fingerprint(public_key):
    """MD5 fingerprint of an OpenSSH public key, aa:bb:..., as Nova shows it."""
    try:
        serialization.load_ssh_public_key(public_key.encode('utf-8'))
        blob = base64.b64decode(public_key.split()[1])
    except (ValueError, IndexError, binascii.Error, UnicodeError,
            crypto_exc.UnsupportedAlgorithm):
        raise exception.InvalidKeypair(reason='failed to generate fingerprint')
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def generate_x509_fingerprint(pem_cert):
    """SHA-1 fingerprint of a PEM certificate."""
    try:
        cert = x509.load_pem_x509_certificate(pem_cert.encode('utf-8'))
    except (ValueError, UnicodeError) as e:
        raise exception.InvalidKeypair(
            reason='failed to generate X509 fingerprint. Error message: %s' % e)
    return _colon_hex(cert.fingerprint(hashes.SHA1()))


def _new_rsa_key(bits=2048):
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()).decode()
    return key, private_pem


def generate_key_pair(bits=2048):
    """(private_key PEM, OpenSSH public key, fingerprint) of a new RSA key."""
    key, private_pem = _new_rsa_key(bits)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    public += ' Generated-by-Nova'
    return private_pem, public, generate_fingerprint(public)


def generate_x509_cert(user_id, bits=2048):
    """(private_key PEM, self-signed client certificate PEM, fingerprint) for
    certificate-authenticated guests (Nova's WinRM x509 keypair)."""
    key, private_pem = _new_rsa_key(bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return private_pem, pem, generate_x509_fingerprint(pem)

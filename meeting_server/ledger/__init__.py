"""The ledger: what the chain holds instead of a secret choice, the key that opens it, the proofs.

``ballots`` is pure (given a key and a nonce it seals and opens a ballot); ``keystore`` finds the ballot
key and the ledger's signing key (configured, a 0600 file in the data directory, or shared through Redis in
scale-out); ``sealing`` is what the meeting's writer calls on append and on load. ``verify`` is the one
verifier of hash chains (stored rows and downloaded ``log.jsonl`` lines, both hash formats); ``anchors``
(pure) and ``service`` are the signed community ledger that anchors closes and published minutes.
"""

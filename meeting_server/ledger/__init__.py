"""The ledger: what the chain holds instead of a secret choice, and the key that opens it.

``ballots`` is pure (given a key and a nonce it seals and opens a ballot); ``keystore`` finds the ballot
key (configured, a 0600 file in the data directory, or shared through Redis in scale-out); ``sealing``
is what the meeting's writer calls on append and on load.
"""

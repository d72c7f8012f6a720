//! Ethereum transactions into Filecoin messages, as Lotus turns them (`ethtypes`): EIP-1559
//! and legacy (Homestead and EIP-155) transactions are accepted; EIP-2930, access lists, blob
//! and set-code transactions are refused. The sender is recovered from the signature and
//! becomes an f410 address; a transaction with a recipient calls `InvokeContract` with its
//! input as a CBOR byte string, one without deploys through the EAM's `CreateExternal`. The
//! signature travels as a delegated signature whose layout says which kind it was, so the
//! transaction can be rebuilt from the message.
use alloy_consensus::{SignableTransaction, Signed, Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::Signature;
use alloy_primitives::{TxKind, U256};
use anyhow::{anyhow, bail, Result};
use fvm_ipld_encoding::RawBytes;
use skyr::shared::address::{Address, Payload};
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr_chain::genesis::{f410, ids};
use skyr_chain::message::{ChainSignature, SigType, SignedMessage};

/// The EVM actor's method that runs contract code (FRC-42 hash of "InvokeEVM").
pub const INVOKE_CONTRACT: u64 = 3844450837;
/// The EAM's method deploying a contract for an Ethereum account (`CreateExternal`).
pub const CREATE_EXTERNAL: u64 = 4;
/// Most bytes a raw transaction may have (Lotus's RLP input limit).
pub const MAX_RAW_TX: usize = 2 << 20;

/// Which kind of transaction it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxKindTag {
    /// Legacy, without a chain ID (v = 27 or 28).
    Homestead,
    /// Legacy with a chain ID folded into v (EIP-155).
    Eip155,
    /// Type 2 (EIP-1559).
    Eip1559,
}

/// An Ethereum transaction as the devnet reads it.
#[derive(Clone, Debug)]
pub struct EthTx {
    /// Its kind.
    pub kind: TxKindTag,
    /// Its chain ID (none for Homestead).
    pub chain_id: Option<u64>,
    /// Sender's nonce.
    pub nonce: u64,
    /// Recipient; `None` deploys.
    pub to: Option<[u8; 20]>,
    /// attoFIL sent.
    pub value: U256,
    /// Calldata or init code.
    pub input: Vec<u8>,
    /// Gas limit (FVM gas).
    pub gas_limit: u64,
    /// Max fee per gas (legacy: gas price).
    pub max_fee_per_gas: u128,
    /// Max priority fee per gas (legacy: gas price).
    pub max_priority_fee_per_gas: u128,
    /// Signature r.
    pub r: U256,
    /// Signature s.
    pub s: U256,
    /// y parity (0 or 1).
    pub y_parity: bool,
    /// The recovered sender.
    pub from: [u8; 20],
    /// keccak-256 of the signed encoding.
    pub hash: [u8; 32],
}

/// The Filecoin address an Ethereum address stands for: a masked ID (`0xff`, eleven zero
/// bytes, a big-endian ID) is that ID; anything else is an f410 address.
pub fn eth_to_filecoin(eth: &[u8; 20]) -> Address {
    if eth[0] == 0xff && eth[1..12].iter().all(|b| *b == 0) {
        let mut id = [0u8; 8];
        id.copy_from_slice(&eth[12..]);
        return Address::new_id(u64::from_be_bytes(id));
    }
    f410(eth)
}

/// The masked-ID Ethereum address of an actor ID.
pub fn masked_id(id: u64) -> [u8; 20] {
    let mut a = [0u8; 20];
    a[0] = 0xff;
    a[12..].copy_from_slice(&id.to_be_bytes());
    a
}

/// The Ethereum address in an f410 address, if it is one.
pub fn f410_payload(a: &Address) -> Option<[u8; 20]> {
    match a.payload() {
        Payload::Delegated(d) if d.namespace() == ids::EAM && d.subaddress().len() == 20 => {
            let mut out = [0u8; 20];
            out.copy_from_slice(d.subaddress());
            Some(out)
        }
        _ => None,
    }
}

/// What an Ethereum call or transaction asks, before it is a Filecoin message.
pub struct EthCall<'a> {
    /// The sender's Filecoin address.
    pub from: Address,
    /// The recipient; `None` deploys.
    pub to: Option<[u8; 20]>,
    /// The sender's nonce.
    pub nonce: u64,
    /// attoFIL sent.
    pub value: TokenAmount,
    /// Calldata or init code.
    pub input: &'a [u8],
    /// Gas limit (FVM gas).
    pub gas_limit: u64,
    /// Fee cap per gas.
    pub fee_cap: TokenAmount,
    /// Premium per gas.
    pub premium: TokenAmount,
}

impl EthCall<'_> {
    /// The Filecoin message it stands for, as Lotus makes it: to an address, InvokeContract
    /// with the input as a CBOR byte string; without one, the EAM's CreateExternal.
    pub fn message(&self) -> Result<Message> {
        let (to, method) = match &self.to {
            Some(to) => (eth_to_filecoin(to), INVOKE_CONTRACT),
            None => (Address::new_id(ids::EAM), CREATE_EXTERNAL),
        };
        Ok(Message {
            version: 0,
            from: self.from,
            to,
            sequence: self.nonce,
            value: self.value.clone(),
            method_num: method,
            params: cbor_bytes_params(self.input)?,
            gas_limit: self.gas_limit,
            gas_fee_cap: self.fee_cap.clone(),
            gas_premium: self.premium.clone(),
        })
    }
}

/// The contents of a CBOR byte string (InvokeContract's and CreateExternal's parameters, an
/// EVM call's return), if `b` is one.
pub fn cbor_bytes(b: &[u8]) -> Option<Vec<u8>> {
    fvm_ipld_encoding::from_slice::<serde_bytes::ByteBuf>(b)
        .ok()
        .map(|b| b.into_vec())
}

/// A CBOR byte string of `b` (the parameters of InvokeContract and CreateExternal); empty
/// input gives empty parameters, as Lotus sends it.
pub fn cbor_bytes_params(b: &[u8]) -> Result<RawBytes> {
    if b.is_empty() {
        return Ok(RawBytes::default());
    }
    Ok(RawBytes::new(fvm_ipld_encoding::to_vec(
        &serde_bytes::Bytes::new(b),
    )?))
}

/// Converts a U256 of attoFIL.
pub fn u256_to_tokens(v: &U256) -> TokenAmount {
    TokenAmount::from_atto(skyr::shared::bigint::BigInt::from_bytes_be(
        skyr::shared::bigint::Sign::Plus,
        &v.to_be_bytes::<32>(),
    ))
}

/// Reads a signed transaction of either accepted type (`hash` is its hash): its fields
/// through alloy's `Transaction` view (a legacy one's gas price is both its fee cap and its
/// premium).
fn read<T>(signed: &Signed<T>, kind: TxKindTag, hash: [u8; 32]) -> Result<EthTx>
where
    T: SignableTransaction<Signature> + Transaction,
{
    let tx = signed.tx();
    if tx.access_list().is_some_and(|l| !l.is_empty()) {
        bail!("access lists are not supported");
    }
    let from = signed
        .recover_signer()
        .map_err(|e| anyhow!("the signature does not recover a sender: {e}"))?;
    let sig = signed.signature();
    Ok(EthTx {
        kind,
        chain_id: tx.chain_id(),
        nonce: tx.nonce(),
        to: match tx.kind() {
            TxKind::Call(a) => Some(a.into()),
            TxKind::Create => None,
        },
        value: tx.value(),
        input: tx.input().to_vec(),
        gas_limit: tx.gas_limit(),
        max_fee_per_gas: tx.max_fee_per_gas(),
        max_priority_fee_per_gas: tx
            .max_priority_fee_per_gas()
            .unwrap_or_else(|| tx.max_fee_per_gas()),
        r: sig.r(),
        s: sig.s(),
        y_parity: sig.v(),
        from: from.into(),
        hash,
    })
}

impl EthTx {
    /// Decodes a raw signed transaction and recovers its sender. Refuses what Lotus refuses.
    pub fn decode(raw: &[u8]) -> Result<EthTx> {
        if raw.len() > MAX_RAW_TX {
            bail!(
                "transaction of {} bytes is over the {MAX_RAW_TX}-byte limit",
                raw.len()
            );
        }
        match raw.first() {
            None => bail!("empty transaction"),
            Some(1) => bail!("EIP-2930 transaction is not supported"),
            Some(t) if *t > 2 && *t <= 0x7f => bail!("unsupported transaction type {t}"),
            _ => {}
        }
        let env = TxEnvelope::decode_2718_exact(raw)
            .map_err(|e| anyhow!("the transaction does not decode: {e}"))?;
        // keccak-256 of the signed encoding (canonical: `decode_2718_exact` took it whole).
        let hash: [u8; 32] = alloy_primitives::keccak256(raw).into();
        let tx = match &env {
            TxEnvelope::Legacy(s) if s.tx().chain_id.is_some() => read(s, TxKindTag::Eip155, hash)?,
            TxEnvelope::Legacy(s) => read(s, TxKindTag::Homestead, hash)?,
            TxEnvelope::Eip1559(s) => read(s, TxKindTag::Eip1559, hash)?,
            _ => bail!("unsupported transaction type"),
        };
        Ok(tx)
    }

    /// The Filecoin message it stands for.
    pub fn message(&self) -> Result<Message> {
        EthCall {
            from: f410(&self.from),
            to: self.to,
            nonce: self.nonce,
            value: u256_to_tokens(&self.value),
            input: &self.input,
            gas_limit: self.gas_limit,
            fee_cap: TokenAmount::from_atto(self.max_fee_per_gas),
            premium: TokenAmount::from_atto(self.max_priority_fee_per_gas),
        }
        .message()
    }

    /// Its v as the transaction carried it.
    pub fn v(&self) -> u64 {
        let p = self.y_parity as u64;
        match (self.kind, self.chain_id) {
            (TxKindTag::Eip1559, _) => p,
            (TxKindTag::Eip155, Some(c)) => c * 2 + 35 + p,
            _ => 27 + p,
        }
    }

    /// The delegated signature Lotus makes of it: r‖s‖v for EIP-1559, 0x01‖r‖s‖v(27/28) for
    /// Homestead, 0x02‖r‖s‖v (big-endian, as short as it goes) for EIP-155.
    pub fn signature(&self) -> ChainSignature {
        let mut data = Vec::with_capacity(70);
        match self.kind {
            TxKindTag::Eip1559 => {}
            TxKindTag::Homestead => data.push(1),
            TxKindTag::Eip155 => data.push(2),
        }
        data.extend_from_slice(&self.r.to_be_bytes::<32>());
        data.extend_from_slice(&self.s.to_be_bytes::<32>());
        match self.kind {
            TxKindTag::Eip1559 => data.push(self.y_parity as u8),
            _ => {
                let v = self.v().to_be_bytes();
                let first = v.iter().position(|b| *b != 0).unwrap_or(7);
                data.extend_from_slice(&v[first..]);
            }
        }
        ChainSignature {
            sig_type: SigType::Delegated,
            data,
        }
    }

    /// The Ethereum transaction a signed message stands for, as Lotus rebuilds it
    /// (`EthTransactionFromSignedFilecoinMessage`): the delegated signature's layout says
    /// which kind; the sender is recovered from it. The message must be one that
    /// [`EthTx::message`] makes (checked by the caller, by comparing).
    pub fn from_signed_message(sm: &SignedMessage, chain_id: u64) -> Result<EthTx> {
        let m = &sm.message;
        if sm.signature.sig_type != SigType::Delegated {
            bail!("not a delegated signature");
        }
        let to = match (m.to == Address::new_id(ids::EAM), m.method_num) {
            (true, CREATE_EXTERNAL) => None,
            (false, INVOKE_CONTRACT) => Some(match f410_payload(&m.to) {
                Some(eth) => eth,
                None => match m.to.id() {
                    Ok(id) => masked_id(id),
                    Err(_) => bail!("an Ethereum transaction cannot go to {}", m.to),
                },
            }),
            _ => bail!(
                "a delegated signature signs only InvokeContract or the EAM's CreateExternal, not method {} of {}",
                m.method_num,
                m.to
            ),
        };
        let input = if m.params.bytes().is_empty() {
            Vec::new()
        } else {
            cbor_bytes(m.params.bytes())
                .ok_or_else(|| anyhow!("the parameters are not a CBOR byte string"))?
        };
        let u128_of = |t: &TokenAmount, what: &str| {
            u128::try_from(t.atto()).map_err(|_| anyhow!("the {what} does not fit 128 bits"))
        };
        let fee_cap = u128_of(&m.gas_fee_cap, "fee cap")?;
        let premium = u128_of(&m.gas_premium, "premium")?;
        let (_, value_be) = m.value.atto().to_bytes_be();
        if value_be.len() > 32 {
            bail!("the value does not fit 256 bits");
        }
        let value = U256::from_be_slice(&value_be);
        let kind_to = to.map_or(TxKind::Create, |a| TxKind::Call(a.into()));
        let d = &sm.signature.data;
        let word = |b: &[u8]| U256::from_be_slice(b);
        let (kind, tx_chain, r, s, parity, sig_hash, encoded) = match d.len() {
            65 => {
                let tx = alloy_consensus::TxEip1559 {
                    chain_id,
                    nonce: m.sequence,
                    gas_limit: m.gas_limit,
                    max_fee_per_gas: fee_cap,
                    max_priority_fee_per_gas: premium,
                    to: kind_to,
                    value,
                    access_list: Default::default(),
                    input: input.clone().into(),
                };
                if d[64] > 1 {
                    bail!("an EIP-1559 signature's y parity is 0 or 1, not {}", d[64]);
                }
                let sig = Signature::new(word(&d[..32]), word(&d[32..64]), d[64] == 1);
                let hash = tx.signature_hash();
                let enc = alloy_eips::eip2718::Encodable2718::encoded_2718(&tx.into_signed(sig));
                (
                    TxKindTag::Eip1559,
                    Some(chain_id),
                    word(&d[..32]),
                    word(&d[32..64]),
                    d[64] == 1,
                    hash,
                    enc,
                )
            }
            n if n > 65 && (d[0] == 1 || d[0] == 2) => {
                if fee_cap != premium {
                    bail!("a legacy transaction's fee cap and premium are its one gas price");
                }
                let v = d[65..].iter().fold(0u128, |acc, b| (acc << 8) | *b as u128);
                let (kind, tx_chain, parity) = match d[0] {
                    1 => {
                        if n != 66 || !(v == 27 || v == 28) {
                            bail!("a Homestead signature ends in v = 27 or 28");
                        }
                        (TxKindTag::Homestead, None, v == 28)
                    }
                    _ => {
                        let id = (v
                            .checked_sub(35)
                            .ok_or_else(|| anyhow!("an EIP-155 v below 35"))?)
                            / 2;
                        if id != chain_id as u128 {
                            bail!("the signature is for chain {id}, not {chain_id}");
                        }
                        (TxKindTag::Eip155, Some(chain_id), (v - 35) % 2 == 1)
                    }
                };
                let tx = alloy_consensus::TxLegacy {
                    chain_id: tx_chain,
                    nonce: m.sequence,
                    gas_price: fee_cap,
                    gas_limit: m.gas_limit,
                    to: kind_to,
                    value,
                    input: input.clone().into(),
                };
                let sig = Signature::new(word(&d[1..33]), word(&d[33..65]), parity);
                let hash = tx.signature_hash();
                let enc = alloy_eips::eip2718::Encodable2718::encoded_2718(&tx.into_signed(sig));
                (
                    kind,
                    tx_chain,
                    word(&d[1..33]),
                    word(&d[33..65]),
                    parity,
                    hash,
                    enc,
                )
            }
            n => bail!("a delegated signature of {n} bytes has no Ethereum layout"),
        };
        let from: [u8; 20] = Signature::new(r, s, parity)
            .recover_address_from_prehash(&sig_hash)
            .map_err(|e| anyhow!("the signature does not recover a sender: {e}"))?
            .into();
        Ok(EthTx {
            kind,
            chain_id: tx_chain,
            nonce: m.sequence,
            to,
            value,
            input,
            gas_limit: m.gas_limit,
            max_fee_per_gas: fee_cap,
            max_priority_fee_per_gas: premium,
            r,
            s,
            y_parity: parity,
            from,
            hash: alloy_primitives::keccak256(&encoded).into(),
        })
    }

    /// The signed message a block carries for it.
    pub fn signed_message(&self) -> Result<SignedMessage> {
        Ok(SignedMessage {
            message: self.message()?,
            signature: self.signature(),
        })
    }
}

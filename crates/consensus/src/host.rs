//! The application loop: answers every message Malachite sends (app-channel `AppMsg`).
//! Each reply unblocks consensus, so handlers are short; block checks and commits run on the
//! blocking pool.

use crate::application::{AppError, Application};
use crate::cert;
use crate::context::{Address, BlockId, GovCtx, Height, ValidatorSet, timeouts};
use crate::proposals::{ProposalStore, StoredProposal};
use crate::proposer::{Origin, expected_proposer, header_round_fits};
use crate::signing::GovSigner;
use crate::streaming::{Accepted, Assembled, Limits, PartsBuffer, View, publish};
use bytes::Bytes;
use govchain_crypto::{VerifiedTx, block_hash};
use govchain_types::{Block, Scheme};
use malachitebft_app_channel::app::engine::host::{HeightParams, Next, SyncedValueOutcome};
use malachitebft_app_channel::app::types::core::{Round, Validity};
use malachitebft_app_channel::app::types::sync::RawDecidedValue;
use malachitebft_app_channel::app::types::{LocallyProposedValue, ProposedValue};
use malachitebft_app_channel::{AppMsg, Channels, NetworkMsg};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why the loop stopped.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0}")]
    Proposals(#[from] crate::proposals::ProposalStoreError),
    #[error("the network channel closed")]
    Network,
    #[error("the consensus engine stopped")]
    EngineStopped,
    #[error("a blocking task failed: {0}")]
    Join(String),
}

pub(crate) struct Host {
    pub app: Arc<dyn Application>,
    pub signer: GovSigner,
    pub address: Address,
    pub validators: ValidatorSet,
    pub proposals: ProposalStore,
    pub scheme: Scheme,
    /// Proposal parts from the validators allowed to publish them, within caps.
    parts: PartsBuffer,
    /// Checked blocks of the current height, by id, ready to commit.
    checked: BTreeMap<BlockId, (Block, Vec<VerifiedTx>)>,
    current: Height,
    /// The current round of `current`, as Malachite last started it.
    round: u32,
    block_time: std::time::Duration,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HostError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| HostError::Join(e.to_string()))
}

impl Host {
    pub fn new(
        app: Arc<dyn Application>,
        signer: GovSigner,
        validators: ValidatorSet,
        proposals: ProposalStore,
        block_time: std::time::Duration,
    ) -> Self {
        let scheme = app.genesis().scheme;
        let address = signer.address();
        let current = Height(app.last_height().saturating_add(1));
        let limits = Limits::for_block_bytes(app.genesis().params.max_block_bytes);
        let view = View {
            height: current,
            round: 0,
            validators: validators.clone(),
            next_validators: None,
        };
        Self {
            current,
            round: 0,
            app,
            signer,
            address,
            validators,
            proposals,
            scheme,
            parts: PartsBuffer::new(limits, view),
            checked: BTreeMap::new(),
            block_time,
        }
    }

    /// Where consensus stands, for the parts buffer. The next height's set is the one known
    /// now: a change scheduled by the block being decided is not, and its new validators' parts
    /// for the next height wait until that height starts.
    fn view(&self) -> View {
        let next = self
            .current
            .0
            .checked_add(1)
            .and_then(|h| self.set_at(h).ok())
            .filter(|s| *s != self.validators);
        View {
            height: self.current,
            round: self.round,
            validators: self.validators.clone(),
            next_validators: next,
        }
    }

    /// Tells the parts buffer the current height and round; the complete streams it held for a
    /// height that is now current are checked and stored like any other.
    async fn update_view(&mut self) -> Result<(), HostError> {
        for a in self.parts.set_view(self.view()) {
            self.received(a).await?;
        }
        Ok(())
    }

    /// The validator set of a height, as the application's state names it.
    fn set_at(&self, height: u64) -> Result<ValidatorSet, HostError> {
        let list = self.app.validators_at(height)?;
        ValidatorSet::from_genesis(&list)
            .map_err(|e| HostError::App(AppError::Local(e.to_string())))
    }

    fn params(&self) -> HeightParams<GovCtx> {
        HeightParams::new(
            self.validators.clone(),
            timeouts(),
            (!self.block_time.is_zero()).then_some(self.block_time),
        )
    }

    /// Runs until the engine closes the channel.
    pub async fn run(mut self, channels: &mut Channels<GovCtx>) -> Result<(), HostError> {
        while let Some(msg) = channels.consensus.recv().await {
            self.handle(msg, channels).await?;
        }
        Err(HostError::EngineStopped)
    }

    async fn handle(
        &mut self,
        msg: AppMsg<GovCtx>,
        channels: &mut Channels<GovCtx>,
    ) -> Result<(), HostError> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                self.current = Height(self.app.last_height().saturating_add(1));
                self.validators = self.set_at(self.current.0)?;
                self.round = 0;
                self.update_view().await?;
                tracing::info!(height = %self.current, "consensus ready");
                let _ = reply.send((self.current, self.params()));
            }
            AppMsg::StartedRound {
                height,
                round,
                reply_value,
                ..
            } => {
                self.current = height;
                self.round = round.as_u32().unwrap_or(0);
                self.update_view().await?;
                let seen = self.proposals_for(height, round).await?;
                let _ = reply_value.send(seen);
            }
            AppMsg::GetValue {
                height,
                round,
                reply,
                ..
            } => {
                let (value, messages) = self.get_value(height, round).await?;
                let _ = reply.send(value);
                for m in messages {
                    channels
                        .network
                        .send(NetworkMsg::PublishProposalPart(m))
                        .await
                        .map_err(|_| HostError::Network)?;
                }
            }
            AppMsg::ReceivedProposalPart {
                from,
                published_by,
                part,
                reply,
            } => {
                // Gossipsub's signed source; a transport without one leaves the neighbour.
                let publisher = published_by.unwrap_or(from);
                let value = match self.parts.insert(publisher, part) {
                    Ok(Accepted::Assembled(assembled)) => self.received(assembled).await?,
                    Ok(Accepted::Pending | Accepted::Held | Accepted::Done) => None,
                    Err(why) => {
                        // Debug only: a stranger must not be able to flood the log either.
                        tracing::debug!(%from, %publisher, %why, "proposal part refused");
                        None
                    }
                };
                let _ = reply.send(value);
            }
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                address,
                value_id,
            } => {
                if address == self.address
                    && let Some(p) = self.proposals.find(height, &value_id)?
                {
                    for m in
                        self.stream(&p, round.as_u32().unwrap_or(p.round), valid_round.as_u32())
                    {
                        channels
                            .network
                            .send(NetworkMsg::PublishProposalPart(m))
                            .await
                            .map_err(|_| HostError::Network)?;
                    }
                }
            }
            AppMsg::Decided {
                certificate, reply, ..
            } => {
                self.decided(certificate).await?;
                let _ = reply.send(());
            }
            AppMsg::Finalized {
                certificate,
                evidence,
                reply,
                ..
            } => {
                if !evidence.is_empty() {
                    for v in self.validators.iter() {
                        let votes = evidence.votes.get(&v.address).map_or(0, Vec::len);
                        let proposals = evidence.proposals.get(&v.address).map_or(0, Vec::len);
                        if votes > 0 || proposals > 0 {
                            tracing::error!(
                                validator = %v.address,
                                height = %certificate.height,
                                double_votes = votes,
                                double_proposals = proposals,
                                "equivocation evidence: a validator signed conflicting messages"
                            );
                        }
                    }
                }
                let _ = reply.send(Next::Start(self.current, self.params()));
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                let _ = reply.send(Height(1));
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let mut out = Vec::new();
                let (start, end) = (range.start().0, range.end().0);
                for h in start..=end {
                    match self.app.decided(h)? {
                        Some((block, c)) => match cert::to_malachite(&c, &self.set_at(h)?) {
                            Some(certificate) => out.push(RawDecidedValue::new(
                                Bytes::from(block.encode()),
                                certificate,
                            )),
                            None => break,
                        },
                        None => break,
                    }
                }
                let _ = reply.send(out);
            }
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => {
                let outcome = self.synced(height, round, proposer, &value_bytes).await?;
                let _ = reply.send(outcome);
            }
            AppMsg::ExtendVote { reply, .. } => {
                let _ = reply.send(None);
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                let _ = reply.send(extensions.into_iter().map(|(a, _)| (a, Ok(()))).collect());
            }
        }
        Ok(())
    }

    fn proposed_value(&self, p: &StoredProposal, valid: bool) -> ProposedValue<GovCtx> {
        ProposedValue {
            height: p.height,
            round: Round::new(p.round),
            valid_round: Round::from(p.pol_round),
            proposer: p.proposer,
            value: p.block_id,
            validity: if valid {
                Validity::Valid
            } else {
                Validity::Invalid
            },
        }
    }

    /// Every full proposal seen for (height, round), checked now if it arrived early.
    async fn proposals_for(
        &mut self,
        height: Height,
        round: Round,
    ) -> Result<Vec<ProposedValue<GovCtx>>, HostError> {
        let mut out = Vec::new();
        for mut p in self.proposals.at_height(height)? {
            if Round::new(p.round) != round {
                continue;
            }
            let valid = match p.valid {
                Some(v) => v,
                None => {
                    let v = self.check(&p, proposal_origin(&p)).await?;
                    p.valid = Some(v);
                    self.proposals.put(&p)?;
                    v
                }
            };
            out.push(self.proposed_value(&p, valid));
        }
        Ok(out)
    }

    fn stream(
        &self,
        p: &StoredProposal,
        round: u32,
        pol_round: Option<u32>,
    ) -> Vec<malachitebft_app_channel::app::streaming::StreamMessage<crate::context::ProposalPart>>
    {
        publish(
            p.height,
            round,
            pol_round,
            p.proposer,
            p.block_id,
            &p.block,
            |digest| self.signer.sign_bytes(digest).to_bytes(),
        )
    }

    async fn get_value(
        &mut self,
        height: Height,
        round: Round,
    ) -> Result<
        (
            LocallyProposedValue<GovCtx>,
            Vec<
                malachitebft_app_channel::app::streaming::StreamMessage<
                    crate::context::ProposalPart,
                >,
            >,
        ),
        HostError,
    > {
        let r = round.as_u32().unwrap_or(0);
        // After a restart, propose exactly what was proposed before for this round.
        let existing = self
            .proposals
            .at_height(height)?
            .into_iter()
            .find(|p| p.round == r && p.proposer == self.address);
        let stored = match existing {
            Some(p) => p,
            None => {
                let app = self.app.clone();
                let key =
                    govchain_types::PublicKey::Ed25519(*self.signer.key.public_key().as_bytes());
                let (block, hash, txs) =
                    blocking(move || app.propose(&key, r, app.now_ms())).await??;
                let p = StoredProposal {
                    height,
                    round: r,
                    pol_round: None,
                    proposer: self.address,
                    block_id: BlockId::from(hash),
                    block: block.encode(),
                    valid: Some(true),
                };
                self.proposals.put(&p)?;
                tracing::debug!(%height, round = r, txs = txs.len(), "proposing");
                self.checked.insert(p.block_id, (block, txs));
                p
            }
        };
        let messages = self.stream(&stored, r, None);
        Ok((
            LocallyProposedValue::new(height, round, stored.block_id),
            messages,
        ))
    }

    /// A proposal assembled from parts: only one that can be this height's proposal — the
    /// current height, a round within the window, from the proposer Malachite expects — has its
    /// signature checked, is stored and its block checked.
    async fn received(&mut self, a: Assembled) -> Result<Option<ProposedValue<GovCtx>>, HostError> {
        if let Err(why) = self.parts.admits_proposal(a.height.0, a.round, &a.proposer) {
            tracing::debug!(proposer = %a.proposer, height = %a.height, round = a.round, %why, "proposal refused before its signature check");
            return Ok(None);
        }
        let Some(proposer) = self.validators.get(&a.proposer) else {
            tracing::warn!(proposer = %a.proposer, "proposal parts from a non-validator dropped");
            return Ok(None);
        };
        let signature = crate::context::Signature::from_bytes(a.signature);
        if proposer.public_key.verify(&a.digest, &signature).is_err() {
            tracing::warn!(proposer = %a.proposer, height = %a.height, "proposal parts with a bad signature dropped");
            return Ok(None);
        }
        let mut p = StoredProposal {
            height: a.height,
            round: a.round,
            pol_round: a.pol_round,
            proposer: a.proposer,
            block_id: a.block_id,
            block: a.block_bytes,
            valid: None,
        };
        let valid = self.check(&p, proposal_origin(&p)).await?;
        p.valid = Some(valid);
        self.proposals.put(&p)?;
        Ok(Some(self.proposed_value(&p, valid)))
    }

    /// Decodes and checks a proposal's block against the parent; remembers it if valid. The
    /// header's round must fit `origin`, and its proposer be that round's ([`crate::proposer`]).
    async fn check(&mut self, p: &StoredProposal, origin: Origin) -> Result<bool, HostError> {
        let block = match Block::decode(&p.block) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(height = %p.height, error = %e, "proposed block does not decode");
                return Ok(false);
            }
        };
        if BlockId::from(block_hash(self.scheme, &block.header)) != p.block_id
            || block.header.height != p.height.0
        {
            tracing::warn!(height = %p.height, "proposed block does not match its id or height");
            return Ok(false);
        }
        if !header_round_fits(block.header.round, origin) {
            tracing::warn!(height = %p.height, header_round = block.header.round, ?origin, "voting against a block whose header names a round it cannot have been proposed in");
            return Ok(false);
        }
        if self.checked.contains_key(&p.block_id) {
            return Ok(true);
        }
        // `check` runs only for the height being decided, whose set is `self.validators`: the
        // set Malachite was given for it and selects proposers from.
        let proposer = expected_proposer(&self.validators, p.height, block.header.round);
        let app = self.app.clone();
        let b = block.clone();
        match blocking(move || app.check(&b, &proposer)).await? {
            Ok(txs) => {
                self.checked.insert(p.block_id, (block, txs));
                Ok(true)
            }
            Err(AppError::Local(e)) => Err(HostError::App(AppError::Local(e))),
            Err(e) => {
                tracing::warn!(height = %p.height, proposer = %p.proposer, error = %e, "voting against an invalid proposal");
                Ok(false)
            }
        }
    }

    async fn synced(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        value_bytes: &[u8],
    ) -> Result<SyncedValueOutcome<GovCtx>, HostError> {
        let Ok(block) = Block::decode(value_bytes) else {
            return Ok(SyncedValueOutcome::PeerFault);
        };
        let block_id = BlockId::from(block_hash(self.scheme, &block.header));
        let mut p = StoredProposal {
            height,
            round: round.as_u32().unwrap_or(0),
            pol_round: None,
            proposer,
            block_id,
            block: value_bytes.to_vec(),
            valid: None,
        };
        self.current = height;
        self.update_view().await?;
        let origin = Origin::Decided { round: p.round };
        let valid = self.check(&p, origin).await?;
        p.valid = Some(valid);
        self.proposals.put(&p)?;
        Ok(SyncedValueOutcome::Verdict(self.proposed_value(&p, valid)))
    }

    /// Commits the decided block and moves to the next height.
    async fn decided(
        &mut self,
        certificate: malachitebft_core_types::CommitCertificate<GovCtx>,
    ) -> Result<(), HostError> {
        let height = certificate.height;
        let id = certificate.value_id;
        if !self.checked.contains_key(&id) {
            // Decided on a block this node has but did not check yet (e.g. it was late).
            if let Some(p) = self.proposals.find(height, &id)? {
                let round = certificate.round.as_u32().unwrap_or(0);
                self.check(&p, Origin::Decided { round }).await?;
            }
        }
        let Some((block, txs)) = self.checked.remove(&id) else {
            return Err(HostError::App(AppError::Divergence(format!(
                "decided block {id} at height {height} is missing or invalid here"
            ))));
        };
        let ours = cert::from_malachite(&certificate, &self.validators)
            .ok_or_else(|| AppError::Local("certificate names an unknown validator".into()))?;
        let app = self.app.clone();
        blocking(move || app.commit(&block, &txs, &ours)).await??;
        self.current = Height(height.0.saturating_add(1));
        let next = self.set_at(self.current.0)?;
        if next != self.validators {
            tracing::info!(height = %self.current, validators = next.iter().count(), "validator set changes");
        }
        self.validators = next;
        self.round = 0;
        self.checked.clear();
        self.proposals.prune_below(self.current)?;
        self.update_view().await?;
        Ok(())
    }
}

/// Where a stored proposal came from, as [`Host::check`] bounds its header's round.
fn proposal_origin(p: &StoredProposal) -> Origin {
    Origin::Proposal {
        round: p.round,
        pol_round: p.pol_round,
    }
}

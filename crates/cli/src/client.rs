//! A small client of the node's HTTP API.

use anyhow::{Context, bail};
use serde_json::Value;
use std::time::Duration;

pub struct Client {
    base: String,
    http: reqwest::Client,
}

/// An API answer: status and JSON body.
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub body: Value,
}

impl Answer {
    /// The body of a 2xx answer, or the API's `{code, message}` as an error.
    pub fn ok(self) -> anyhow::Result<Value> {
        if self.status.is_success() {
            return Ok(self.body);
        }
        let code = self
            .body
            .pointer("/code")
            .and_then(|v| v.as_str())
            .unwrap_or("error");
        let message = self
            .body
            .pointer("/message")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        bail!("{} {code}: {message}", self.status.as_u16())
    }
}

impl Client {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
        })
    }

    async fn answer(resp: reqwest::Response) -> anyhow::Result<Answer> {
        let status = resp.status();
        let text = resp.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer { status, body })
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Answer> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        Self::answer(resp).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Answer> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body)?)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        Self::answer(resp).await
    }

    pub async fn post_tx(&self, raw: Vec<u8>) -> anyhow::Result<Answer> {
        let url = format!("{}/v1/tx", self.base);
        let resp = self
            .http
            .post(&url)
            .header("content-type", "application/octet-stream")
            .body(raw)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        Self::answer(resp).await
    }
}

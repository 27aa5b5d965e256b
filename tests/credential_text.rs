//! Credentials from the chain that no HTTP header can carry (an environment
//! variable with a line break inside) fail the first attempt as credentials
//! and are not retried: every attempt would fail the same way.
//!
//! Its own test binary: it sets the process's AWS environment.
#![cfg(any(feature = "rusoto", feature = "aws"))]

mod support;

use std::time::Duration;

use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
    }
}

#[tokio::test]
async fn credentials_no_header_can_carry_are_an_authentication_error_at_once() {
    // SAFETY: set before any thread of this test reads the environment;
    // this binary has this one test.
    unsafe {
        support::empty_aws_chain();
        std::env::set_var("AWS_REGION", "eu-west-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKID\nEXAMPLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret");
    }
    let backends = [
        #[cfg(feature = "rusoto")]
        dynamo::Backend::Rusoto,
        #[cfg(feature = "aws")]
        dynamo::Backend::Aws,
    ];
    for backend in backends {
        let client = Client::builder()
            .backend(backend)
            // Never reached: the request cannot be built.
            .endpoint("http://127.0.0.1:9")
            .credential_chain(true)
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let e = client
            .get_item(&item!(Note { id: "n1" }), opts![])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{backend:?}: {e}");
        assert!(
            e.message().contains("HTTP does not allow") && e.message().contains("access key id"),
            "{backend:?}: {}",
            e.message()
        );
        assert_eq!(e.attempts(), 1, "{backend:?}: not retried");
    }
}

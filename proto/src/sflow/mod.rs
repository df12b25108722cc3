//! sFlow version 5 datagrams (sflow.org sflow_version_5.txt).

"""Docker-free local runtime: serves template.yaml's functions over HTTP, SQS and a scheduler."""

# Shortcuts; scripts/test-all is the test command itself (README, CI).
.PHONY: test check suite bench
test:
	scripts/test-all
check:
	cargo run --release -- check
suite:
	cargo run --release -- suite
bench:
	cargo bench -p index-cache

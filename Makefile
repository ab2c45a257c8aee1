# Shortcuts; scripts/test-all.sh is the test command itself (README, CI).
.PHONY: test check suite bench
test:
	scripts/test-all.sh
check:
	cargo run --release -- check
suite:
	cargo run --release -- suite
bench:
	cargo bench -p index-cache

# Two commands do all the set-up: `make run` starts Tandem, `make test` runs every test
# (pass pytest options with PYTEST_ARGS="-k name").
.PHONY: run test bench lint format bootstrap clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh $(PYTEST_ARGS)

bench: bootstrap
	@set -e; found=0; for file in bench/bench_*.py; do \
		[ -e "$$file" ] || continue; found=1; \
		echo "== $$file"; TANDEM_ENV=dev .venv/bin/python "$$file"; \
	done; [ "$$found" = 1 ] || echo "bench: no benchmark in bench/"

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: bootstrap
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bootstrap:
	@scripts/bootstrap.sh

clean:
	rm -rf .venv .pytest_cache .ruff_cache

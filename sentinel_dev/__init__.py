"""Dev-only tooling around the hub: private Mosquitto and PostgreSQL (`services`), the demo, the private hub
of scenario runs and the dev commands of `sentinel` (`cli`). Nothing here runs in production; the hub
package never imports it (an import-linter contract)."""

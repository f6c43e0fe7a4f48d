# shellcheck shell=sh
#
# crowdseclib.sh - a private CrowdSec agent for the tests: Debian's
# crowdsec and cscli with a configuration of their own in a scratch
# directory, so the machine's /etc/crowdsec, database and hub state are
# never read for parsers nor written.
#
#   cs_setup DIR ALERTS_FILE [LAPI_ADDRESS]
#       make DIR/config.yaml: the parsers crowdsecurity/syslog-logs and
#       crowdsecurity/dateparse-enrich from Debian's offline hub, ephemd's
#       parsers and scenarios from contrib/crowdsec/, the acquisition of
#       ALERTS_FILE with the label type ephemd (as
#       contrib/crowdsec/acquis.d/ephemd.yaml), Debian's profiles.yaml
#       (ban 4h), a SQLite database in DIR, no central API, the local API on
#       LAPI_ADDRESS (default 127.0.0.1:8080) and a machine registered for
#       the agent.  Not crowdsecurity/whitelists: it whitelists RFC 1918,
#       where every client of a NAT gateway lives (contrib/crowdsec/README).
#       Sets CS_CONFIG.
#   cs_cscli ARGS...
#       cscli with that configuration.
# Needs srcdir (tests/); uses crowdsec and cscli from PATH.

: "${srcdir:?}"
CS_HUB=/var/lib/crowdsec/hub
CS_CONTRIB=$(cd "$srcdir/../contrib/crowdsec" && pwd)

cs_setup() {
	cs_dir=$1 cs_alerts=$2 cs_lapi=${3:-127.0.0.1:8080}
	for t in crowdsec cscli; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "crowdseclib: $t is missing: apt-get install crowdsec (tests/deps.sh)" >&2
			return 1
		}
	done
	for f in parsers/s00-raw/crowdsecurity/syslog-logs.yaml \
	    parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml; do
		[ -f "$CS_HUB/$f" ] || {
			echo "crowdseclib: Debian's offline hub has no $f ($CS_HUB)" >&2
			return 1
		}
	done
	mkdir -p "$cs_dir/etc/parsers/s00-raw" "$cs_dir/etc/parsers/s01-parse" \
	    "$cs_dir/etc/parsers/s02-enrich" "$cs_dir/etc/scenarios" \
	    "$cs_dir/etc/postoverflows" "$cs_dir/data" "$cs_dir/log" || return 1
	cp "$CS_HUB/parsers/s00-raw/crowdsecurity/syslog-logs.yaml" "$cs_dir/etc/parsers/s00-raw/" &&
	    cp "$CS_HUB/parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml" "$cs_dir/etc/parsers/s02-enrich/" &&
	    cp "$CS_CONTRIB"/parsers/s00-raw/*.yaml "$cs_dir/etc/parsers/s00-raw/" &&
	    cp "$CS_CONTRIB"/parsers/s01-parse/*.yaml "$cs_dir/etc/parsers/s01-parse/" &&
	    cp "$CS_CONTRIB"/scenarios/*.yaml "$cs_dir/etc/scenarios/" &&
	    cp -r /etc/crowdsec/patterns "$cs_dir/etc/" &&
	    cp /etc/crowdsec/profiles.yaml "$cs_dir/etc/profiles.yaml" || return 1
	echo 'simulation: off' >"$cs_dir/etc/simulation.yaml"
	# the shipped acquisition, pointed at this test's file
	sed "s|^  - /var/lib/ephemd/alerts.json\$|  - $cs_alerts|" \
	    "$CS_CONTRIB/acquis.d/ephemd.yaml" >"$cs_dir/etc/acquis.yaml"
	grep -q "^  - $cs_alerts\$" "$cs_dir/etc/acquis.yaml" || {
		echo "crowdseclib: contrib/crowdsec/acquis.d/ephemd.yaml does not name /var/lib/ephemd/alerts.json" >&2
		return 1
	}
	cat >"$cs_dir/config.yaml" <<EOF
common:
  daemonize: false
  log_media: stdout
  log_level: info
  working_dir: $cs_dir
config_paths:
  config_dir: $cs_dir/etc/
  data_dir: $cs_dir/data/
  simulation_path: $cs_dir/etc/simulation.yaml
  hub_dir: $CS_HUB/
  index_path: $CS_HUB/.index.json
  notification_dir: $cs_dir/etc/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
crowdsec_service:
  acquisition_path: $cs_dir/etc/acquis.yaml
  parser_routines: 1
  buckets_routines: 1
  output_routines: 1
cscli:
  output: human
  color: no
db_config:
  log_level: info
  type: sqlite
  db_path: $cs_dir/data/crowdsec.db
  flush:
    max_items: 5000
    max_age: 7d
api:
  client:
    insecure_skip_verify: false
    credentials_path: $cs_dir/etc/local_api_credentials.yaml
  server:
    log_level: info
    listen_uri: $cs_lapi
    profiles_path: $cs_dir/etc/profiles.yaml
    trusted_ips:
      - 127.0.0.1
      - ::1
prometheus:
  enabled: false
EOF
	CS_CONFIG=$cs_dir/config.yaml
	cs_cscli machines add ephemd-test --auto --force \
	    -f "$cs_dir/etc/local_api_credentials.yaml" >"$cs_dir/machines.out" 2>&1 || {
		cat "$cs_dir/machines.out" >&2
		return 1
	}
	# the registration names the API's address
	sed -i "s|^url: .*|url: http://$cs_lapi|" "$cs_dir/etc/local_api_credentials.yaml"
}

cs_cscli() {
	cscli -c "$CS_CONFIG" "$@"
}

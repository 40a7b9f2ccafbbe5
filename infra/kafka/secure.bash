# shellcheck shell=bash
# Secure mode of infra/hb-infra (sourced by it; uses its helpers): a second, separate
# single-node Kafka that speaks only SASL_SSL with SCRAM-SHA-512 and authorizes every
# request with KRaft's StandardAuthorizer. Its own ports, data, certificates and users
# under $HOURBANK_STATE_DIR/kafka-secure, so the plaintext broker is never touched.
#
#   infra/hb-infra up kafka-secure              start it (CA, certificate, users, ACLs)
#   eval "$(infra/hb-infra env --secure escrow)"  the environment of one principal

KAFKA_SECURE_PORT="${HOURBANK_KAFKA_SECURE_PORT:-19094}"
KAFKA_SECURE_CONTROLLER_PORT="${HOURBANK_KAFKA_SECURE_CONTROLLER_PORT:-19095}"

SECURE_STATE="$STATE_DIR/kafka-secure"
SECURE_DATA="$SECURE_STATE/data"
SECURE_CONF="$SECURE_STATE/server.properties"
SECURE_ADMIN_CONF="$SECURE_STATE/admin.properties"
SECURE_TLS="$SECURE_STATE/tls"
SECURE_USERS="$SECURE_STATE/users"
SECURE_PID_FILE="$SECURE_STATE/kafka.pid"
SECURE_FORMAT_INFO="$SECURE_STATE/format.info"
SECURE_LOG_DIR="$LOG_DIR/kafka-secure"
SECURE_OUT="$SECURE_LOG_DIR/kafka.out"
SECURE_LOG="$SECURE_LOG_DIR/kafka-server.log"
# SCRAM users: the broker itself and the operator's admin (both super users), and one per
# service, whose ACLs come from hourbank_shared.kafka_access.
SECURE_PRINCIPALS=(broker admin "${SERVICES[@]}")

check_secure_config() {
  local pair var value
  for pair in HOURBANK_KAFKA_SECURE_PORT:KAFKA_SECURE_PORT \
              HOURBANK_KAFKA_SECURE_CONTROLLER_PORT:KAFKA_SECURE_CONTROLLER_PORT; do
    var="${pair#*:}"
    value="${!var}"
    if ! [[ $value =~ ^[0-9]+$ ]] || (( value < 1 || value > 65535 )); then
      die "${pair%%:*} must be a number between 1 and 65535 (got '$value')"
    fi
  done
  local ports
  ports="$(printf '%s\n' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$PG_PORT" \
             "$KAFKA_SECURE_PORT" "$KAFKA_SECURE_CONTROLLER_PORT" | sort | uniq -d)"
  [[ -z $ports ]] || die "port $ports is configured twice; the secure Kafka needs its own ports (HOURBANK_KAFKA_SECURE_PORT, HOURBANK_KAFKA_SECURE_CONTROLLER_PORT)"
}

require_openssl() {
  command -v openssl >/dev/null 2>&1 \
    || die "openssl not found; secure mode makes its CA and the broker's certificate with it. Install: apt-get install -y openssl"
}

# A local CA and the broker's certificate (for 127.0.0.1 and localhost) in a PKCS12
# keystore; made once, kept with the broker's data.
secure_tls_once() {
  [[ -s $SECURE_TLS/broker.p12 && -s $SECURE_TLS/ca.crt && -s $SECURE_TLS/keystore.password ]] \
    && return 0
  local log="$SECURE_LOG_DIR/tls.log" pass
  rm -rf "$SECURE_TLS"
  mkdir -p "$SECURE_TLS"
  chmod 700 "$SECURE_TLS"
  step "Making a local CA and the broker's TLS certificate in $SECURE_TLS"
  pass="$(openssl rand -hex 24)"
  if ! (
    cd "$SECURE_TLS" && umask 077 &&
    openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes \
      -subj "/CN=HourBank local Kafka CA" -keyout ca.key -out ca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey rsa:3072 -sha256 -nodes -subj "/CN=localhost" \
      -keyout broker.key -out broker.csr &&
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      "extendedKeyUsage=serverAuth,clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "authorityKeyIdentifier=keyid,issuer" "subjectKeyIdentifier=hash" >broker.ext &&
    openssl x509 -req -sha256 -days 825 -in broker.csr -CA ca.crt -CAkey ca.key \
      -set_serial "0x$(openssl rand -hex 16)" -extfile broker.ext -out broker.crt &&
    openssl pkcs12 -export -name broker -inkey broker.key -in broker.crt -certfile ca.crt \
      -passout "pass:$pass" -out broker.p12
  ) >"$log" 2>&1; then
    show_log_tail 30 "$log"
    rm -rf "$SECURE_TLS"
    die "making the TLS certificates with openssl failed"
  fi
  (umask 077 && printf '%s\n' "$pass" >"$SECURE_TLS/keystore.password")
  rm -f "$SECURE_TLS/broker.csr" "$SECURE_TLS/broker.ext"
  chmod 644 "$SECURE_TLS/ca.crt"
}

# A random password per principal, one file each (mode 600): what `env --secure` points at.
secure_users_once() {
  local principal file
  mkdir -p "$SECURE_USERS"
  chmod 700 "$SECURE_USERS"
  for principal in "${SECURE_PRINCIPALS[@]}"; do
    file="$SECURE_USERS/$principal.password"
    [[ -s $file ]] && continue
    if [[ -f $SECURE_DATA/meta.properties ]]; then
      die "the secure Kafka in $SECURE_DATA has no SCRAM user '$principal' (no $file). Start it over: infra/hb-infra down kafka-secure && rm -rf $SECURE_STATE"
    fi
    (umask 077 && openssl rand -hex 24 >"$file")
  done
}

secure_password() { tr -d '\n' <"$SECURE_USERS/$1.password"; }

write_secure_config() {
  local broker keystore
  broker="$(secure_password broker)"
  keystore="$(tr -d '\n' <"$SECURE_TLS/keystore.password")"
  (umask 077 && sed -e "s|@@PORT@@|$KAFKA_SECURE_PORT|g" \
      -e "s|@@CONTROLLER_PORT@@|$KAFKA_SECURE_CONTROLLER_PORT|g" \
      -e "s|@@LOG_DIRS@@|$SECURE_DATA|g" -e "s|@@TLS_DIR@@|$SECURE_TLS|g" \
      -e "s|@@KEYSTORE_PASSWORD@@|$keystore|g" -e "s|@@BROKER_PASSWORD@@|$broker|g" \
      "$KAFKA_SRC/server-secure.properties.template" >"$SECURE_CONF.new")
  mv "$SECURE_CONF.new" "$SECURE_CONF"
  # The admin client of the Kafka tools hb-infra runs (and `kafka-tool --command-config`).
  (umask 077 && cat >"$SECURE_ADMIN_CONF" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secure_password admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$SECURE_TLS/ca.crt
request.timeout.ms=5000
default.api.timeout.ms=30000
EOF
  )
}

# Format once, with every principal's SCRAM credentials in the first metadata records (the
# broker authenticates to itself with them before anything else could create users).
secure_format_once() {
  if [[ -f $SECURE_DATA/meta.properties ]]; then
    local formatted_port
    formatted_port="$(sed -n 's/^controller_port=//p' "$SECURE_FORMAT_INFO" 2>/dev/null || true)"
    if [[ -n $formatted_port && $formatted_port != "$KAFKA_SECURE_CONTROLLER_PORT" ]]; then
      die "the secure Kafka storage in $SECURE_DATA was formatted for controller port $formatted_port, not $KAFKA_SECURE_CONTROLLER_PORT. Use the old port, or delete $SECURE_STATE to start over."
    fi
    return 0
  fi
  local cluster_id log="$SECURE_LOG_DIR/format.log" scram=() principal
  for principal in "${SECURE_PRINCIPALS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(secure_password "$principal")]")
  done
  rm -rf "$SECURE_DATA"
  mkdir -p "$SECURE_DATA"
  cluster_id="$("${KAFKA_TOOL_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>>"$log")" \
    || { show_log_tail 30 "$log"; die "could not generate a Kafka cluster id"; }
  step "Formatting the secure Kafka storage in $SECURE_DATA (SCRAM users: ${SECURE_PRINCIPALS[*]})"
  if ! "${KAFKA_TOOL_JAVA[@]}" kafka.tools.StorageTool format --config "$SECURE_CONF" \
         --cluster-id "$cluster_id" --standalone "${scram[@]}" >>"$log" 2>&1; then
    show_log_tail 30 "$log"
    rm -rf "$SECURE_DATA"
    die "formatting the secure Kafka storage failed"
  fi
  printf 'cluster_id=%s\ncontroller_port=%s\nformatted_at=%s\n' "$cluster_id" \
    "$KAFKA_SECURE_CONTROLLER_PORT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$SECURE_FORMAT_INFO"
}

secure_kafka_pid() { kafka_pid_of "$SECURE_PID_FILE" "$SECURE_CONF"; }

# A TLS handshake with the listener, verified against the local CA: the broker only
# accepts connections once it serves requests.
secure_tls_probe() {
  [[ -s $SECURE_TLS/ca.crt ]] || return 1
  timeout 5 openssl s_client -connect "127.0.0.1:$KAFKA_SECURE_PORT" -CAfile "$SECURE_TLS/ca.crt" \
    -verify_return_error -verify_ip 127.0.0.1 </dev/null >/dev/null 2>&1
}

wait_secure_kafka_ready() {
  local pid=$1 start=$SECONDS
  step "Waiting for the secure Kafka to answer on 127.0.0.1:$KAFKA_SECURE_PORT (timeout ${READY_TIMEOUT}s)"
  while ! secure_tls_probe; do
    if ! proc_alive "$pid"; then
      rm -f "$SECURE_PID_FILE"
      show_log_tail 30 "$SECURE_LOG"; show_log_tail 10 "$SECURE_OUT"
      die "the secure Kafka (pid $pid) exited during startup; see the log lines above"
    fi
    if (( SECONDS - start >= READY_TIMEOUT )); then
      show_log_tail 30 "$SECURE_LOG"; show_log_tail 10 "$SECURE_OUT"
      die "the secure Kafka did not become ready within ${READY_TIMEOUT}s (still running as pid $pid; stop it with: infra/hb-infra down kafka-secure)"
    fi
    sleep 0.5
  done
  # A real request as the admin principal: authenticated over SASL_SSL and authorized.
  if ! timeout 60 "${KAFKA_TOOL_JAVA[@]}" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "127.0.0.1:$KAFKA_SECURE_PORT" --command-config "$SECURE_ADMIN_CONF" \
        --list >/dev/null 2>"$SECURE_LOG_DIR/probe.err"; then
    show_log_tail 30 "$SECURE_LOG_DIR/probe.err"; show_log_tail 30 "$SECURE_LOG"
    die "the secure Kafka answers TLS on 127.0.0.1:$KAFKA_SECURE_PORT but the admin principal could not list topics"
  fi
  step "Secure Kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_SECURE_PORT (SASL_SSL, pid $pid, $(( SECONDS - start ))s)"
}

# KEY=VALUE lines of a principal's client environment (the settings of hourbank_shared).
secure_env_lines() {
  local principal=$1
  printf 'KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:%s\n' "$KAFKA_SECURE_PORT"
  printf 'HOURBANK_KAFKA_SECURITY_PROTOCOL=SASL_SSL\n'
  printf 'HOURBANK_KAFKA_SASL_MECHANISM=SCRAM-SHA-512\n'
  printf 'HOURBANK_KAFKA_SSL_CA_LOCATION=%s\n' "$SECURE_TLS/ca.crt"
  printf 'HOURBANK_KAFKA_SASL_USERNAME=%s\n' "$principal"
  printf 'HOURBANK_KAFKA_SASL_PASSWORD_FILE=%s\n' "$SECURE_USERS/$principal.password"
}

# The ACLs of every service principal, from the one table in hourbank_shared.kafka_access
# (which also writes the Strimzi KafkaUsers), applied as the admin principal. Idempotent;
# bindings no longer in the table are removed.
secure_apply_acls() {
  local python=()
  if [[ -n ${HOURBANK_PYTHON:-} ]]; then
    python=("$HOURBANK_PYTHON")
  else
    command -v uv >/dev/null 2>&1 \
      || die "uv not found: the ACLs are set from hourbank_shared.kafka_access with the workspace's Python. Install it: make setup"
    python=(uv run --frozen --quiet python)
  fi
  step "Setting the ACLs of ${SERVICES[*]} (hourbank_shared.kafka_access)"
  local -a environment
  mapfile -t environment < <(secure_env_lines admin)
  if ! (cd "$REPO_DIR" && env "${environment[@]}" "${python[@]}" -m hourbank_shared.kafka_access apply) \
       >"$SECURE_LOG_DIR/acls.log" 2>&1; then
    show_log_tail 30 "$SECURE_LOG_DIR/acls.log"
    die "setting the ACLs on the secure Kafka failed"
  fi
  sed 's/^/    /' "$SECURE_LOG_DIR/acls.log"
}

secure_kafka_up() {
  local pid
  mkdir -p "$SECURE_STATE" "$SECURE_LOG_DIR"
  chmod 700 "$SECURE_STATE"
  if pid="$(secure_kafka_pid)"; then
    if secure_tls_probe; then
      step "Secure Kafka already running and ready on 127.0.0.1:$KAFKA_SECURE_PORT (pid $pid)"
    else
      step "Secure Kafka is running (pid $pid) but not ready yet"
      wait_secure_kafka_ready "$pid"
    fi
    secure_apply_acls
    return 0
  fi
  rm -f "$SECURE_PID_FILE"
  require_java
  require_openssl
  cmd_fetch
  check_port_free "$KAFKA_SECURE_PORT" "secure Kafka broker" HOURBANK_KAFKA_SECURE_PORT
  check_port_free "$KAFKA_SECURE_CONTROLLER_PORT" "secure Kafka controller" \
    HOURBANK_KAFKA_SECURE_CONTROLLER_PORT
  secure_tls_once
  secure_users_once
  write_secure_config
  secure_format_once
  step "Starting secure Kafka $KAFKA_VERSION (SASL_SSL 127.0.0.1:$KAFKA_SECURE_PORT, controller 127.0.0.1:$KAFKA_SECURE_CONTROLLER_PORT)"
  if [[ -f $SECURE_OUT ]]; then mv -f "$SECURE_OUT" "$SECURE_OUT.prev"; fi
  nohup setsid java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dkafka.logs.dir="$SECURE_LOG_DIR" \
    -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$SECURE_CONF" \
    >"$SECURE_OUT" 2>&1 </dev/null 8>&- 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$SECURE_PID_FILE"
  wait_secure_kafka_ready "$pid"
  secure_apply_acls
}

secure_kafka_down() {
  local pid
  if ! pid="$(secure_kafka_pid)"; then
    rm -f "$SECURE_PID_FILE"
    step "Secure Kafka is not running"
    return 0
  fi
  stop_kafka_process "secure Kafka" "$pid"
  rm -f "$SECURE_PID_FILE"
}

secure_kafka_status() {
  local pid state ready=-
  if pid="$(secure_kafka_pid)"; then
    state=running
    if secure_tls_probe; then ready="ready (SASL_SSL)"; else ready="NOT ready"; fi
  else
    pid=-
    state="not running"
  fi
  printf '%-11s %-12s pid %-8s 127.0.0.1:%-6s %s\n' "Kafka TLS" "$state" "$pid" \
    "$KAFKA_SECURE_PORT" "$ready"
}

secure_env() {
  local principal=${1:-admin} known
  known=" ${SECURE_PRINCIPALS[*]} "
  [[ $principal != broker && $known == *" $principal "* ]] \
    || die "unknown principal '$principal' (expected one of: admin ${SERVICES[*]})"
  [[ -s $SECURE_USERS/$principal.password ]] \
    || die "the secure Kafka has no credentials yet; start it first: infra/hb-infra up kafka-secure"
  secure_env_lines "$principal" | sed 's/^/export /'
}

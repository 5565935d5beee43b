# The proxy in front of svcalc: Debian's nginx (the one `make system-deps` installs for the
# tests) with deploy/nginx.conf, filled from the environment by envsubst when it starts.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx=1.22.* gettext-base=0.21-* \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/svcalc-proxy/temp \
    && chown -R www-data:www-data /var/lib/svcalc-proxy
COPY nginx.conf /etc/svcalc/nginx.conf.template
COPY nginx-tls.conf /etc/svcalc/nginx-tls.conf.template
ENV SVCALC_PROXY_LISTEN=8080 SVCALC_UPSTREAM=svcalc:8000 \
    SVCALC_PROXY_MAX_BODY=8388608 SVCALC_PROXY_CONN_PER_IP=32 SVCALC_PROXY_TLS_LISTEN=8443
# www-data (uid 33 in Debian)
USER 33
WORKDIR /var/lib/svcalc-proxy
EXPOSE 8080
# Only the four placeholders are replaced: nginx's own $variables stay as they are. With
# SVCALC_PROXY_TLS_CERT set (deploy/compose.tls.yaml), the TLS listener is filled in as well.
CMD ["sh", "-c", "envsubst '${SVCALC_PROXY_LISTEN} ${SVCALC_UPSTREAM} ${SVCALC_PROXY_MAX_BODY} ${SVCALC_PROXY_CONN_PER_IP}' < /etc/svcalc/nginx.conf.template > nginx.conf && mkdir -p tls.d && rm -f tls.d/svcalc.conf && if [ -n \"$SVCALC_PROXY_TLS_CERT\" ]; then envsubst '${SVCALC_PROXY_TLS_LISTEN} ${SVCALC_PROXY_TLS_CERT} ${SVCALC_PROXY_TLS_KEY}' < /etc/svcalc/nginx-tls.conf.template > tls.d/svcalc.conf; fi && exec nginx -p /var/lib/svcalc-proxy/ -c /var/lib/svcalc-proxy/nginx.conf -g 'daemon off;'"]

{{/* Names: <release>-aloft (or the release name when it already contains "aloft"), 63 characters at most. */}}
{{- define "aloft.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "aloft.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's name: (dict "ctx" $ "component" "admin") → <fullname>-admin. */}}
{{- define "aloft.componentName" -}}
{{- printf "%s-%s" (include "aloft.fullname" .ctx | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "aloft.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "aloft.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end -}}

{{- define "aloft.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aloft.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "aloft.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The database URL without the password (PGPASSWORD carries it). */}}
{{- define "aloft.postgresUrl" -}}
{{- $pg := .Values.postgresql -}}
{{- $url := printf "postgres://%s@%s:%s/%s" (required "postgresql.user is required" $pg.user) (required "postgresql.host is required" $pg.host) (toString $pg.port) $pg.database -}}
{{- if $pg.sslmode -}}
{{- $url = printf "%s?sslmode=%s" $url $pg.sslmode -}}
{{- end -}}
{{- $url -}}
{{- end -}}

{{- define "aloft.adminHost" -}}
{{- include "aloft.componentName" (dict "ctx" . "component" "admin") -}}
{{- end -}}

{{- define "aloft.publicUrl" -}}
{{- if .Values.auth.publicUrl -}}
{{- .Values.auth.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "https://%s" .Values.ingress.host -}}
{{- else -}}
{{- printf "http://%s.%s.svc:%s" (include "aloft.adminHost" .) .Release.Namespace (toString .Values.admin.httpPort) -}}
{{- end -}}
{{- end -}}

{{/* Aloft's config file (docs/configuration.md); `config` values win over the chart's. */}}
{{- define "aloft.config" -}}
{{- $admin := include "aloft.adminHost" . -}}
{{- $hosts := list $admin (printf "%s.%s" $admin .Release.Namespace) (printf "%s.%s.svc" $admin .Release.Namespace) (printf "%s.%s.svc.cluster.local" $admin .Release.Namespace) -}}
{{- if .Values.ingress.enabled -}}
{{- $hosts = concat $hosts (list .Values.ingress.host) -}}
{{- end -}}
{{- $server := dict "host" "0.0.0.0" "httpPort" .Values.admin.httpPort "grpcPort" .Values.admin.grpcPort "allowedHosts" (concat $hosts .Values.admin.allowedHosts) "allowInsecureRemote" (not .Values.auth.enabled) -}}
{{- $database := dict "kind" "postgres" "postgresUrl" (include "aloft.postgresUrl" .) "maxConnections" .Values.postgresql.maxConnections -}}
{{- $s3 := dict "endpoint" .Values.storage.endpoint "region" .Values.storage.region "forcePathStyle" .Values.storage.forcePathStyle -}}
{{- $storage := dict "kind" "s3" "bucket" .Values.storage.bucket "s3" $s3 -}}
{{- $election := dict "enabled" true "namespace" .Release.Namespace "leaseName" (include "aloft.componentName" (dict "ctx" . "component" "engine")) -}}
{{- $kubernetes := dict "namespaceTemplate" .Values.engine.namespaceTemplate "leaderElection" $election -}}
{{- $engine := dict "taskRuntime" "kubernetes" "workers" .Values.engine.workers "metricsPort" .Values.engine.metricsPort "podPluginConfig" "/etc/aloft/config/pod-plugin.json" -}}
{{- $auth := dict "enabled" .Values.auth.enabled -}}
{{- if .Values.auth.enabled -}}
{{- $auth = dict "enabled" true "secretsDir" "/etc/aloft/secrets" "publicUrl" (include "aloft.publicUrl" .) -}}
{{- end -}}
{{- $clusterResources := dict "templatePath" "/etc/aloft/cluster-resources" "templateData" .Values.clusterResources.templateData "refreshIntervalSeconds" .Values.clusterResources.refreshIntervalSeconds -}}
{{- $cfg := dict "dataDir" "/tmp/aloft" "server" $server "database" $database "storage" $storage "executor" "kubernetes" "kubernetes" $kubernetes "engine" $engine "auth" $auth "clusterResources" $clusterResources "logging" (dict "level" .Values.logLevel) -}}
{{- toYaml (merge (dict) .Values.config $cfg) -}}
{{- end -}}

{{/* Pod-level settings shared by every component: (dict "ctx" $ "c" .Values.<component>). */}}
{{- define "aloft.podCommon" -}}
securityContext:
  {{- toYaml (default .ctx.Values.podSecurityContext .c.podSecurityContext) | nindent 2 }}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "aloft.containerSecurityContext" -}}
{{- toYaml (default .ctx.Values.securityContext .c.securityContext) -}}
{{- end -}}

{{/* PGPASSWORD from the database Secret, and the S3 keys when a Secret holds them. */}}
{{- define "aloft.env" -}}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "postgresql.existingSecret is required" .Values.postgresql.existingSecret }}
      key: {{ .Values.postgresql.passwordKey }}
{{- if .Values.storage.existingSecret }}
- name: ALOFT_STORAGE__S3__ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.storage.existingSecret }}
      key: {{ .Values.storage.accessKeyIdKey }}
- name: ALOFT_STORAGE__S3__SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.storage.existingSecret }}
      key: {{ .Values.storage.secretAccessKeyKey }}
{{- end }}
{{- end -}}

{{/* The config file, /tmp (the only writable path) and the auth Secret. */}}
{{- define "aloft.volumes" -}}
- name: config
  configMap:
    name: {{ include "aloft.fullname" . }}
- name: tmp
  emptyDir: {}
{{- if .Values.auth.enabled }}
- name: auth
  secret:
    secretName: {{ required "auth.existingSecret is required when auth.enabled (aloft secret create)" .Values.auth.existingSecret }}
    defaultMode: 288
{{- end }}
{{- end -}}

{{- define "aloft.volumeMounts" -}}
- name: config
  mountPath: /etc/aloft/config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.auth.enabled }}
- name: auth
  mountPath: /etc/aloft/secrets
  readOnly: true
{{- end }}
{{- end -}}

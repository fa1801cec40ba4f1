{{/* The name of every object of the release (one extension per seed, as Gardener deploys it). */}}
{{- define "shoot-flux.name" -}}
gardener-extension-shoot-flux
{{- end -}}

{{/* Selector labels: stable for the life of the release. */}}
{{- define "shoot-flux.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shoot-flux.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "shoot-flux.labels" -}}
{{ include "shoot-flux.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The container image reference. */}}
{{- define "shoot-flux.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

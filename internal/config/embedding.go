package config

// EmbeddingEndpoint is the base URL the configured embedder sends document
// text to: [embedding] base_url, or for "ollama" the ollama provider's URL
// (default 127.0.0.1:11434), for "openai" OpenAI's API. It is "" for the
// built-in local model, which sends nothing anywhere.
func (c *Config) EmbeddingEndpoint() string {
	e := c.Embedding
	if e.Backend == "local" {
		return ""
	}
	if e.BaseURL != "" {
		return e.BaseURL
	}
	switch e.Backend {
	case "ollama":
		if p := c.Providers["ollama"]; p != nil && p.BaseURL != "" {
			return p.BaseURL
		}
		return "http://127.0.0.1:11434"
	default:
		return "https://api.openai.com/v1"
	}
}

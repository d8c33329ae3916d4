//! A tiny argument reader shared by the subcommands (flags and `--key value`).

/// The arguments of one subcommand, consumed as they are recognised.
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    /// Wraps the arguments that follow the subcommand name.
    pub fn new(args: &[String]) -> Self {
        Self {
            rest: args.to_vec(),
        }
    }

    /// True (and consumed) when `--name` is present.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.rest.len();
        self.rest.retain(|a| a != name);
        self.rest.len() != before
    }

    /// The value of `--name value` or `--name=value`, if present.
    pub fn value(&mut self, name: &str) -> crate::Result<Option<String>> {
        let prefix = format!("{name}=");
        if let Some(i) = self.rest.iter().position(|a| a.starts_with(&prefix)) {
            let arg = self.rest.remove(i);
            return Ok(Some(arg[prefix.len()..].to_string()));
        }
        let Some(i) = self.rest.iter().position(|a| a == name) else {
            return Ok(None);
        };
        if i + 1 >= self.rest.len() {
            return Err(format!("{name} needs a value").into());
        }
        self.rest.remove(i);
        Ok(Some(self.rest.remove(i)))
    }

    /// Takes the remaining arguments that are not options (call after the options).
    pub fn positional(&mut self) -> Vec<String> {
        let (options, positional) = self.rest.drain(..).partition(|a| a.starts_with("--"));
        self.rest = options;
        positional
    }

    /// Fails if anything was not recognised.
    pub fn finish(self) -> crate::Result {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("unexpected arguments: {}", self.rest.join(" ")).into())
        }
    }
}
